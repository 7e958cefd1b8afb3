using PrecondFlow.Distributed.Internal;

namespace PrecondFlow.Distributed;

/// <summary>
/// The processes started by MPICH's `mpiexec`, talking through MPI.NET. Start one per process, before any collective,
/// and dispose it at the end (that finalizes MPI). All-reductions sum into a reused buffer and divide by the world size.
/// A collective that waits longer than the collective timeout ends this process with <see cref="TimeoutExitCode"/>, and
/// MPICH's launcher then ends the others: a process that hangs, alive but silent, must not keep them waiting forever.
/// </summary>
public sealed class MpiCommunicator : ICommunicator
{
    /// <summary>How long a collective may wait by default: far above any legitimate wait (one rank writing a
    /// checkpoint while the others reach the next all-reduction takes seconds), far below "forever".</summary>
    public static readonly TimeSpan DefaultCollectiveTimeout = TimeSpan.FromSeconds(300);

    /// <summary>The exit code of a run ended by the collective timeout (that of coreutils' `timeout`).</summary>
    public const int TimeoutExitCode = 124;

    private readonly MPI.Environment environment;
    private readonly MPI.Intracommunicator world;
    private readonly CollectiveWatchdog? watchdog;
    private float[] floatSums = [];
    private double[] doubleSums = [];
    private bool disposed;

    private MpiCommunicator(MPI.Environment environment, TimeSpan? collectiveTimeout, Action<string>? onTimeout)
    {
        this.environment = environment;
        world = MPI.Communicator.world;
        Rank = world.Rank;
        WorldSize = world.Size;
        var version = MpichLibrary.Version();
        Library = version.Length > 0 ? version : "MPICH";
        if (collectiveTimeout is { } timeout)
            watchdog = new CollectiveWatchdog(timeout, (operation, waited) =>
            {
                onTimeout?.Invoke(
                    $"rank {Rank} waited {waited.TotalSeconds:0.#} s in {operation}, longer than the collective timeout of " +
                    $"{timeout.TotalSeconds:0.#} s (--collective-timeout): another process is hung or far behind, so the run is ended. " +
                    "Raise --collective-timeout if some process legitimately works that long alone.");
                ImmediateExit.Now(TimeoutExitCode);
            });
    }

    /// <summary>Loads MPICH and initialises MPI; call once per process.</summary>
    /// <param name="collectiveTimeout">The longest one collective may wait before the run is ended (null: forever).
    /// The watchdog's thread makes no MPI call: it ends the process, and the launcher the run.</param>
    /// <param name="onTimeout">Receives the explanation, on the watchdog's thread, just before the run is ended.</param>
    /// <exception cref="InvalidOperationException">MPICH is not installed; the message says what to install.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is not positive.</exception>
    public static MpiCommunicator Start(TimeSpan? collectiveTimeout = null, Action<string>? onTimeout = null)
    {
        if (collectiveTimeout is { } timeout && timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(collectiveTimeout), timeout.TotalSeconds,
                $"The collective timeout must be positive; got {timeout.TotalSeconds} s.");
        MpichLibrary.Load();
        string[] arguments = [];
        return new MpiCommunicator(new MPI.Environment(ref arguments), collectiveTimeout, onTimeout);
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
        Watched("MPI_Allreduce", () => world.Allreduce(values, MPI.Operation<float>.Add, ref floatSums));
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
        Watched("MPI_Allreduce", () => world.Allreduce(values, MPI.Operation<double>.Add, ref doubleSums));
        for (int i = 0; i < values.Length; i++)
            values[i] = doubleSums[i] / WorldSize;
    }

    /// <inheritdoc />
    public byte[] Broadcast(byte[] values, int root = 0)
    {
        int length = Rank == root ? values.Length : 0;
        Watched("MPI_Bcast", () => world.Broadcast(ref length, root));
        var buffer = Rank == root ? values : new byte[length];
        Watched("MPI_Bcast", () => world.Broadcast(ref buffer, root));
        return buffer;
    }

    /// <inheritdoc />
    public byte[][] AllGather(byte[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int[] lengths = [];
        Watched("MPI_Allgather", () => lengths = world.Allgather(values.Length));
        var flat = new byte[lengths.Sum()];
        Watched("MPI_Allgatherv", () => world.AllgatherFlattened(values, lengths, ref flat));
        var result = new byte[WorldSize][];
        for (int rank = 0, offset = 0; rank < WorldSize; offset += lengths[rank], rank++)
            result[rank] = flat[offset..(offset + lengths[rank])];
        return result;
    }

    /// <inheritdoc />
    public void Abort(int exitCode) => world.Abort(exitCode);

    private void Watched(string operation, Action collective)
    {
        watchdog?.Begin(operation);
        try
        {
            collective();
        }
        finally
        {
            watchdog?.End();
        }
    }

    /// <summary>Finalizes MPI (once).</summary>
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        watchdog?.Dispose();
        environment.Dispose();
    }
}
