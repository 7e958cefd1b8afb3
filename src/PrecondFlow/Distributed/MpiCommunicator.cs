using PrecondFlow.Distributed.Internal;

namespace PrecondFlow.Distributed;

/// <summary>
/// The processes started by MPICH's `mpiexec`, talking through MPI.NET. Start one per process, before any collective,
/// and dispose it at the end (that finalizes MPI). All-reductions sum into a reused buffer and divide by the world size.
/// </summary>
public sealed class MpiCommunicator : ICommunicator
{
    private readonly MPI.Environment environment;
    private readonly MPI.Intracommunicator world;
    private float[] floatSums = [];
    private double[] doubleSums = [];
    private bool disposed;

    private MpiCommunicator(MPI.Environment environment)
    {
        this.environment = environment;
        world = MPI.Communicator.world;
        Rank = world.Rank;
        WorldSize = world.Size;
        var version = MpichLibrary.Version();
        Library = version.Length > 0 ? version : "MPICH";
    }

    /// <summary>Loads MPICH and initialises MPI; call once per process.</summary>
    /// <exception cref="InvalidOperationException">MPICH is not installed; the message says what to install.</exception>
    public static MpiCommunicator Start()
    {
        MpichLibrary.Load();
        string[] arguments = [];
        return new MpiCommunicator(new MPI.Environment(ref arguments));
    }

    /// <inheritdoc />
    public int Rank { get; }
    /// <inheritdoc />
    public int WorldSize { get; }
    /// <inheritdoc />
    public string Library { get; }

    /// <inheritdoc />
    public void AllReduceMean(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (floatSums.Length != values.Length)
            floatSums = new float[values.Length];
        world.Allreduce(values, MPI.Operation<float>.Add, ref floatSums);
        float size = WorldSize;
        for (int i = 0; i < values.Length; i++)
            values[i] = floatSums[i] / size;
    }

    /// <inheritdoc />
    public void AllReduceMean(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (doubleSums.Length != values.Length)
            doubleSums = new double[values.Length];
        world.Allreduce(values, MPI.Operation<double>.Add, ref doubleSums);
        for (int i = 0; i < values.Length; i++)
            values[i] = doubleSums[i] / WorldSize;
    }

    /// <inheritdoc />
    public byte[] Broadcast(byte[] values, int root = 0)
    {
        int length = Rank == root ? values.Length : 0;
        world.Broadcast(ref length, root);
        var buffer = Rank == root ? values : new byte[length];
        world.Broadcast(ref buffer, root);
        return buffer;
    }

    /// <inheritdoc />
    public byte[][] AllGather(byte[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var lengths = world.Allgather(values.Length);
        var flat = new byte[lengths.Sum()];
        world.AllgatherFlattened(values, lengths, ref flat);
        var result = new byte[WorldSize][];
        for (int rank = 0, offset = 0; rank < WorldSize; offset += lengths[rank], rank++)
            result[rank] = flat[offset..(offset + lengths[rank])];
        return result;
    }

    /// <inheritdoc />
    public void Abort(int exitCode) => world.Abort(exitCode);

    /// <summary>Finalizes MPI (once).</summary>
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        environment.Dispose();
    }
}
