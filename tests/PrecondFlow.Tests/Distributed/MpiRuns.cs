using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// Runs the built command line under MPICH's launcher (`mpiexec -n N dotnet PrecondFlow.Cli.dll ...`) or as one
/// ordinary process, as a child process, and finds the process of a given rank. MPICH is a test dependency (CI installs
/// it): without it these tests fail with the install command instead of skipping.
/// </summary>
internal static class MpiRuns
{
    private static string Cli => Path.Combine(AppContext.BaseDirectory, "PrecondFlow.Cli.dll");
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>MPICH's launcher: mpiexec.mpich where both MPICH and Open MPI are installed, else mpiexec.</summary>
    public static string Launcher()
    {
        foreach (var name in new[] { "mpiexec.mpich", "mpiexec" })
            foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
                if (File.Exists(Path.Combine(folder, name)))
                    return Path.Combine(folder, name);
        throw new InvalidOperationException("MPICH's mpiexec was not found: install it with `apt-get install -y mpich libmpich-dev`.");
    }

    /// <summary>Starts `mpiexec -n <paramref name="processes"/>` of the CLI with these arguments (one group per
    /// entry of <paramref name="groups"/>, MPMD style, when the ranks get different arguments).</summary>
    public static Process StartMpi(string marker, params (int Processes, string[] Arguments)[] groups)
    {
        var start = Start(Launcher(), marker);
        for (int g = 0; g < groups.Length; g++)
        {
            if (g > 0)
                start.ArgumentList.Add(":");
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(groups[g].Processes.ToString());
            start.ArgumentList.Add(Dotnet);
            start.ArgumentList.Add(Cli);
            foreach (var argument in groups[g].Arguments)
                start.ArgumentList.Add(argument);
        }
        return Process.Start(start)!;
    }

    /// <summary>Runs the CLI under `mpiexec -n <paramref name="processes"/>` to the end.</summary>
    public static (int Code, string Log) RunMpi(int processes, params string[] arguments) =>
        Finish(StartMpi(Guid.NewGuid().ToString("N"), (processes, arguments)), TimeSpan.FromMinutes(4));

    /// <summary>Runs the CLI as one ordinary process to the end.</summary>
    public static (int Code, string Log) RunSingle(params string[] arguments)
    {
        var start = Start(Dotnet, Guid.NewGuid().ToString("N"));
        start.ArgumentList.Add(Cli);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Finish(Process.Start(start)!, TimeSpan.FromMinutes(4));
    }

    /// <summary>Waits for the process and returns its exit code and output; -1 when it did not end within <paramref name="timeout"/>.</summary>
    public static (int Code, string Log) Finish(Process process, TimeSpan timeout)
    {
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var standard = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return (-1, $"did not end within {timeout.TotalSeconds:0} s\n{standard.Result}{error.Result}");
            }
            return (process.ExitCode, standard.Result + error.Result);
        }
    }

    /// <summary>The process id of rank <paramref name="rank"/> of the run marked <paramref name="marker"/>, or null
    /// while it has not started (read from each process's environment: the launcher sets PMI_RANK).</summary>
    public static int? FindRank(string marker, int rank)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out int pid))
                continue;
            try
            {
                var environment = File.ReadAllText(Path.Combine(folder, "environ")).Split('\0');
                if (environment.Contains($"{MarkerVariable}={marker}") && environment.Contains($"PMI_RANK={rank}") &&
                    File.ReadAllText(Path.Combine(folder, "cmdline")).Contains("PrecondFlow.Cli.dll"))
                    return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended, or is not ours to read.
            }
        }
        return null;
    }

    /// <summary>Stops the process (SIGSTOP): alive, holding its connections, answering nothing.</summary>
    public static void Stop(int pid)
    {
        if (Signal(pid, SignalStop) != 0)
            throw new InvalidOperationException($"could not stop process {pid} (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>Kills the process (SIGKILL, which ends a stopped process too) if it still exists.</summary>
    public static void Kill(int pid) => Signal(pid, SignalKill);

    /// <summary>Whether the process exists and has not ended (a zombie, ended but not yet reaped, counts as ended).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            // /proc/PID/stat: "PID (name) S ...", S = 'Z' for a zombie.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not 'Z' and not 'X';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private const int SignalKill = 9;
    private const int SignalStop = 19;   // Linux x86-64 and arm64

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    /// <summary>Set in the launcher's environment (which it passes on to every rank) to find this run's processes.</summary>
    private const string MarkerVariable = "PRECONDFLOW_TEST_RUN";

    private static ProcessStartInfo Start(string program, string marker)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[MarkerVariable] = marker;
        // One intra-op thread per process, as the suite runs: the comparisons are about the data split, not threads.
        start.Environment["OMP_NUM_THREADS"] = "1";
        return start;
    }
}
