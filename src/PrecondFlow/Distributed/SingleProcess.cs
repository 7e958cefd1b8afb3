namespace PrecondFlow.Distributed;

/// <summary>A run of one process: every collective is the identity, and no MPI library is loaded.</summary>
public sealed class SingleProcess : ICommunicator
{
    /// <summary>The one process of an ordinary run.</summary>
    public static SingleProcess Instance { get; } = new();

    private SingleProcess()
    {
    }

    /// <inheritdoc />
    public int Rank => 0;
    /// <inheritdoc />
    public int WorldSize => 1;
    /// <inheritdoc />
    public string Library => "single process";

    /// <inheritdoc />
    public void AllReduceMean(float[] values) => ArgumentNullException.ThrowIfNull(values);
    /// <inheritdoc />
    public void AllReduceMean(double[] values) => ArgumentNullException.ThrowIfNull(values);
    /// <inheritdoc />
    public byte[] Broadcast(byte[] values, int root = 0) => root == 0
        ? values
        : throw new ArgumentOutOfRangeException(nameof(root), root, "A single process has only rank 0.");
    /// <inheritdoc />
    public byte[][] AllGather(byte[] values) => new[] { values };
    /// <inheritdoc />
    public void Abort(int exitCode)
    {
        // Nothing else to end: the caller's own exit code ends the run.
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }
}
