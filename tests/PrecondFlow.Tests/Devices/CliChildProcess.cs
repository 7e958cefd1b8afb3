using System.Diagnostics;

namespace PrecondFlow.Tests.Devices;

/// <summary>Runs the built command line as a child process with some environment variables removed or set, for settings
/// that are process-wide and so cannot be tried in the test host.</summary>
internal static class CliChildProcess
{
    /// <summary>Runs `dotnet PrecondFlow.Cli.dll ARGUMENTS` with each variable of <paramref name="environment"/> removed
    /// (null) or set, and returns its exit code and output; -1 when it did not end within 2 minutes.</summary>
    public static (int Code, string Log) Run(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PrecondFlow.Cli.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
        {
            start.Environment.Remove(name);
            if (value is not null)
                start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var standard = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            return (-1, "did not end within 2 minutes");
        }
        return (process.ExitCode, standard.Result + error.Result);
    }
}
