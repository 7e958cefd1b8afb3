using System.Runtime.InteropServices;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// Ends a child process when the process that started it ends. The parent keeps the write end of the child's standard
/// input open for the child's whole life and never writes to it; the kernel closes it when the parent exits or is killed
/// (SIGKILL included), and the child, reading, sees the end of the stream. Without this a killed `reproduce` left its job
/// processes computing for minutes with no one to read their results.
/// </summary>
internal static class ParentPipe
{
    /// <summary>The exit code of a child that stopped because its parent ended (128 + SIGTERM, as if it had been sent one).</summary>
    public const int ParentEndedExitCode = 143;

    /// <summary>Watches standard input on a background thread; at its end, says so on standard error and exits.</summary>
    public static void ExitWhenParentEnds()
    {
        var watcher = new Thread(() =>
        {
            using var input = System.Console.OpenStandardInput();
            var buffer = new byte[256];
            try
            {
                while (input.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
            System.Console.Error.WriteLine("error: the process that started this job ended; stopping.");
            System.Console.Error.Flush();
            // At once, without the runtime's shutdown: the main thread is inside libtorch, and a normal exit tears down
            // native state under it (it aborted). Nothing of the job is worth keeping now.
            if (OperatingSystem.IsWindows())
                Environment.Exit(ParentEndedExitCode);
            ExitNow(ParentEndedExitCode);
        })
        { IsBackground = true, Name = "parent watch" };
        watcher.Start();
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int status);
}
