namespace PrecondFlow.Distributed;

/// <summary>
/// The processes of one data-parallel run and the few collective operations training needs. Every method is collective:
/// each process of the run must call it, in the same order, with buffers of the same length (a process that skips one
/// leaves the others waiting). <see cref="SingleProcess"/> is the default and loads nothing; <see cref="MpiCommunicator"/>
/// runs over MPI (MPICH); a GPU implementation (NCCL on device buffers) would change only this interface's implementation.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index, 0 … <see cref="WorldSize"/> − 1; rank 0 alone writes outputs.</summary>
    int Rank { get; }

    /// <summary>The number of processes of the run.</summary>
    int WorldSize { get; }

    /// <summary>What carries the messages, for `info` and results files (e.g. "single process", "MPICH 4.0").</summary>
    string Library { get; }

    /// <summary>Replaces each element by its mean over all processes, in place.</summary>
    void AllReduceMean(float[] values);

    /// <summary>Replaces each element by its mean over all processes, in place.</summary>
    void AllReduceMean(double[] values);

    /// <summary>The bytes of rank <paramref name="root"/>, on every process (the argument is ignored elsewhere).</summary>
    byte[] Broadcast(byte[] values, int root = 0);

    /// <summary>Every process's bytes, indexed by rank (lengths may differ between processes).</summary>
    byte[][] AllGather(byte[] values);

    /// <summary>Ends every process of the run at once with <paramref name="exitCode"/>: what a process that failed alone
    /// calls, so that the others do not wait for it forever.</summary>
    void Abort(int exitCode);
}
