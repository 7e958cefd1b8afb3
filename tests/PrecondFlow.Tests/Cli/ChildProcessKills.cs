using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PrecondFlow.Tests.Cli;

/// <summary>
/// What the kill-and-resume tests share: running the built command line as a child process, sending it SIGKILL at a chosen
/// moment (after a delay, or as soon as its n-th staging folder of an atomic folder write appears), and reading a results
/// file's numbers without its timings.
/// </summary>
internal static class ChildProcessKills
{
    /// <summary>Runs the built command line as a child process (`dotnet PrecondFlow.Cli.dll ...`); <paramref name="kill"/>
    /// decides when to send SIGKILL and says when it did.</summary>
    public static (int Code, string Log) Run(string[] arguments, Func<Process, string>? kill, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PrecondFlow.Cli.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var standard = process.StandardOutput.ReadToEndAsync();
        if (kill is not null)
        {
            var moment = kill(process);
            process.WaitForExit();
            return (process.HasExited ? process.ExitCode : -1, moment);
        }
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill();
            return (-1, "timed out");
        }
        return (process.ExitCode, standard.Result + error.Result);
    }

    /// <summary>Kills the process after <paramref name="delay"/>, unless it finished before.</summary>
    public static Func<Process, string> KillAfter(TimeSpan delay) => process =>
    {
        if (process.WaitForExit(delay))
            return $"never (it finished before {delay.TotalMilliseconds:0} ms)";
        process.Kill();
        return $"after {delay.TotalMilliseconds:0} ms";
    };

    /// <summary>Kills the process as soon as the <paramref name="sightings"/>-th staging folder matching
    /// <paramref name="pattern"/> appears in <paramref name="parent"/> (i.e. inside an atomic folder write), and says
    /// whether the staging folder was still there (the kill landed inside the write, not just after it).</summary>
    /// <param name="what">What is being written, for the message ("checkpoint write", "cache write").</param>
    public static Func<Process, string> KillWhileStaging(string parent, string pattern, int sightings, string what) => process =>
    {
        Directory.CreateDirectory(parent);
        using var watcher = new FileSystemWatcher(parent, pattern);
        int seen = 0;
        string? killedDuring = null;
        using var killed = new ManualResetEventSlim();
        watcher.Created += (_, e) =>
        {
            if (Interlocked.Increment(ref seen) != sightings)
                return;
            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                return; // it had exited
            }
            killedDuring = e.FullPath;
            killed.Set();
        };
        watcher.EnableRaisingEvents = true;
        while (!killed.Wait(5) && !process.HasExited)
        {
        }
        process.WaitForExit();
        if (killedDuring is null)
            return $"never (fewer than {sightings} {what}s were seen)";
        var where = Directory.Exists(killedDuring) ? "inside" : "just after";
        return $"{where} {what} {sightings}";
    };

    /// <summary>Hidden staging folders (.name.guid.tmp) that killed writes left in <paramref name="folder"/>.</summary>
    public static int StagingLeftovers(string folder) =>
        Directory.Exists(folder) ? Directory.GetDirectories(folder, ".*.tmp*").Length : 0;

    /// <summary>A results file as JSON without what may differ between runs of the same computation: timings, the
    /// command line, the runtime, paths and whether a cache entry was reused.</summary>
    public static string Numbers(string resultsFile)
    {
        var root = JsonNode.Parse(File.ReadAllText(resultsFile))!;
        Strip(root);
        return root.ToJsonString();
    }

    private static readonly string[] RunSpecific = ["seconds", "times", "wall", "command", "runtime", "reused", "folder", "cache"];

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToArray())
                    if (RunSpecific.Any(w => key.Contains(w, StringComparison.OrdinalIgnoreCase)))
                        o.Remove(key);
                    else
                        Strip(o[key]);
                break;
            case JsonArray a:
                foreach (var item in a)
                    Strip(item);
                break;
        }
    }
}
