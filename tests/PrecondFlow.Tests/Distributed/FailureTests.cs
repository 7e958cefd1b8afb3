using System.Diagnostics;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// A distributed run fails as a whole and says why: ranks started with different arguments stop at once with an
/// error naming the argument, and when a rank dies the others exit with an error instead of waiting for it forever.
/// </summary>
public sealed class FailureTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-mpi-fail-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string[] Train(int steps) =>
        ["train", "--data", "moons", "--count", "500", "--steps", steps.ToString(), "--batch-size", "64", "--hidden", "32,32",
         "--log-every", "10", "--out", Path.Combine(root, "model")];

    [Fact]
    public void RanksStartedWithDifferentArgumentsStopWithAnErrorNamingTheArgument()
    {
        var run = MpiRuns.StartMpi(Guid.NewGuid().ToString("N"), (1, Train(20)), (1, Train(30)));
        var (code, log) = MpiRuns.Finish(run, TimeSpan.FromMinutes(2));
        Assert.NotEqual(0, code);
        Assert.NotEqual(-1, code);
        Assert.Contains("different arguments", log);
        Assert.Contains("--steps: rank 0 has '20', rank 1 has '30'", log);
        Assert.False(Directory.Exists(Path.Combine(root, "model")), "nothing is written");
    }

    [Fact]
    public void WhenARankIsKilledTheSurvivorsExitWithAnErrorWithinTheTimeout()
    {
        var timeout = TimeSpan.FromSeconds(60);
        string marker = Guid.NewGuid().ToString("N");
        var run = MpiRuns.StartMpi(marker, (2, Train(1_000_000)));
        // Kill rank 1 once both ranks are training (a few seconds after it appeared).
        var clock = Stopwatch.StartNew();
        int? victim = null;
        while (victim is null && clock.Elapsed < TimeSpan.FromMinutes(1) && !run.HasExited)
        {
            victim = MpiRuns.FindRank(marker, 1);
            Thread.Sleep(100);
        }
        Assert.True(victim is not null, "rank 1 never started");
        Thread.Sleep(TimeSpan.FromSeconds(8));
        Assert.False(run.HasExited, "the run ended before the kill");
        Process.GetProcessById(victim.Value).Kill();
        var killed = Stopwatch.StartNew();
        var (code, log) = MpiRuns.Finish(run, timeout);
        Assert.True(code != -1, $"the survivors still ran {timeout.TotalSeconds:0} s after the kill:\n{log}");
        Assert.NotEqual(0, code);
        Assert.True(killed.Elapsed < timeout, $"took {killed.Elapsed.TotalSeconds:0} s");
    }
}
