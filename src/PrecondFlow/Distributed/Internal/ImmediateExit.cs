using System.Runtime.InteropServices;

namespace PrecondFlow.Distributed.Internal;

/// <summary>
/// Ends this process at once with an exit code (POSIX <c>_exit</c>): no managed shutdown, no atexit handlers, no MPI
/// call. What the collective watchdog does from its own thread while the main thread is stuck inside MPI: MPICH's
/// launcher sees a process end without MPI_Finalize and ends the others. Calling MPI_Abort from that thread instead
/// would need MPI to be initialised with MPI_THREAD_MULTIPLE.
/// </summary>
internal static class ImmediateExit
{
    public static void Now(int exitCode) => Exit(exitCode);

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void Exit(int status);
}
