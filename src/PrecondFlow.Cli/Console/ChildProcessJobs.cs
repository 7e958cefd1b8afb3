using System.Diagnostics;
using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// Runs 2D study jobs as child processes of this command line (`precondflow study-2d-job`), a few at a time, each with its
/// progress forwarded to the parent's bars. Processes, not threads: TorchSharp frees a native scalar from the finalizer
/// of its managed wrapper, which a garbage collection started by another thread can run while the scalar is still in use.
/// </summary>
internal sealed class ChildProcessJobs(string experiment, TwoDStudySettings settings, string device, string? libtorch,
    string? tensorboard, IExperimentProgress progress) : ITwoDStudyJobLauncher
{
    public void Run(IReadOnlyList<TwoDStudyJob> jobs, string workFolder, int workers)
    {
        var overall = progress.AddStage("jobs done", jobs.Count);
        int next = -1, done = 0;
        string? failure = null;
        void Work()
        {
            while (Volatile.Read(ref failure) is null)
            {
                int index = Interlocked.Increment(ref next);
                if (index >= jobs.Count)
                    return;
                if (RunOne(jobs[index], workFolder) is { } error)
                    Interlocked.CompareExchange(ref failure, error, null);
                else
                    overall.Report((Interlocked.Increment(ref done), $"({workers} at a time)"));
            }
        }
        var threads = Enumerable.Range(0, Math.Min(workers, jobs.Count)).Select(_ => new Thread(Work) { IsBackground = true }).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        if (failure is not null)
            throw new InvalidOperationException(failure);
    }

    /// <summary>Runs one job to its end; null on success, else what went wrong.</summary>
    private string? RunOne(TwoDStudyJob job, string workFolder)
    {
        var start = Start();
        foreach (var argument in Arguments(job, workFolder))
            start.ArgumentList.Add(argument);
        // Held open and never written: the child stops when it closes, i.e. when this process ends (ParentPipe).
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var errors = process.StandardError.ReadToEndAsync();
        var reader = new ProgressLines.Reader(progress);
        while (process.StandardOutput.ReadLine() is { } line)
            reader.Read(line);
        process.WaitForExit();
        if (process.ExitCode == 0)
            return null;
        var lastLine = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return $"job {job} failed (exit code {process.ExitCode}): {lastLine ?? "no message"}";
    }

    private IEnumerable<string> Arguments(TwoDStudyJob job, string workFolder)
    {
        string[] arguments =
        [
            Commands.StudyJobCommand.Name, experiment, "--job", job.Index.ToString(), "--work", workFolder, "--exit-with-parent",
            "--seeds", settings.Seeds.ToString(), "--threads", settings.IntraOpThreads.ToString(), "--device", device,
        ];
        return arguments
            .Concat(settings.Quick ? ["--quick"] : [])
            .Concat(settings.BatchedSeeds ? ["--batched-seeds"] : [])
            .Concat(libtorch is null ? [] : ["--libtorch", libtorch])
            .Concat(tensorboard is null ? [] : ["--tensorboard", tensorboard]);
    }

    /// <summary>This command line again: the apphost as is, or `dotnet PrecondFlow.Cli.dll` under the dotnet host (also
    /// when running inside another host, such as a test runner).</summary>
    private static ProcessStartInfo Start()
    {
        string self = typeof(ChildProcessJobs).Assembly.Location;
        string? process = Environment.ProcessPath;
        string name = Path.GetFileNameWithoutExtension(process ?? "");
        bool apphost = process is not null && Path.GetDirectoryName(process) == Path.GetDirectoryName(self) &&
            (name.Equals(Path.GetFileNameWithoutExtension(self), StringComparison.OrdinalIgnoreCase) || name == PrecondFlowCommand.Name);
        if (apphost)
            return new ProcessStartInfo(process!);
        string host = name == "dotnet" ? process! : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(host);
        start.ArgumentList.Add(self);
        return start;
    }
}
