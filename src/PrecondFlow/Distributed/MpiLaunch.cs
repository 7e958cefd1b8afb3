namespace PrecondFlow.Distributed;

/// <summary>
/// Whether this process was started by an MPI launcher, read from the environment the launcher sets. The library reads
/// no environment itself: the caller passes it (e.g. the CLI passes the process environment).
/// </summary>
public static class MpiLaunch
{
    /// <summary>What MPICH's launcher (Hydra, `mpiexec`) sets in each process it starts.</summary>
    private static readonly string[] MpichVariables = ["PMI_RANK", "PMI_SIZE"];

    /// <summary>What Open MPI's launcher sets; its ABI is not MPICH's, so such a launch is refused with a hint.</summary>
    private static readonly string[] OpenMpiVariables = ["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"];

    /// <summary>True when MPICH's launcher started this process (PMI_RANK and PMI_SIZE are set).</summary>
    /// <exception cref="InvalidOperationException">Open MPI's launcher started it: the message says to use MPICH's.</exception>
    public static bool IsMpiLaunch(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (OpenMpiVariables.Any(v => environment(v) is not null) && MpichVariables.Any(v => environment(v) is null))
            throw new InvalidOperationException(
                "This process was started by Open MPI's mpiexec, but PrecondFlow runs on MPICH (a different library interface). " +
                "Install MPICH (apt-get install mpich) and launch with its launcher: mpiexec.mpich -n N precondflow ...");
        return MpichVariables.All(v => environment(v) is not null);
    }
}
