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

    /// <summary>Every number of a results file, one "path=value" line each, except those that may differ between runs of
    /// the same computation: timings (also as {"key": "..._seconds", "value": ...}), the runtime, the number of parallel workers
    /// and whether a cache entry was reused. Text is left out (prose quotes
    /// timings).</summary>
    public static string Numbers(string resultsFile)
    {
        var lines = new List<string>();
        Collect(JsonNode.Parse(File.ReadAllText(resultsFile)), "", lines);
        return string.Join("\n", lines);
    }

    private static readonly string[] RunSpecific = ["seconds", "times", "wall", "runtime", "workers", "reused"];

    private static void Collect(JsonNode? node, string path, List<string> lines)
    {
        switch (node)
        {
            case JsonObject o when o["key"] is JsonValue key && key.GetValueKind() is System.Text.Json.JsonValueKind.String &&
                                   RunSpecific.Any(w => key.GetValue<string>().Contains(w, StringComparison.OrdinalIgnoreCase)):
                break;   // a named value that is a timing ({"key": "vae_seconds", "value": 6.26})
            case JsonObject o:
                foreach (var (key, value) in o)
                    if (!RunSpecific.Any(w => key.Contains(w, StringComparison.OrdinalIgnoreCase)))
                        Collect(value, $"{path}.{key}", lines);
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                    Collect(a[i], $"{path}[{i}]", lines);
                break;
            case JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.True
                or System.Text.Json.JsonValueKind.False:
                lines.Add($"{path}={v.ToJsonString()}");
                break;
            case JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.String && v.GetValue<string>() is "NaN" or "Infinity" or "-Infinity":
                lines.Add($"{path}={v.ToJsonString()}");
                break;
        }
    }
}
