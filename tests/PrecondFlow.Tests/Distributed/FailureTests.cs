using System.Diagnostics;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// A distributed run fails as a whole and says why: ranks started with different arguments stop at once with an
/// error naming the argument, and when a rank dies or hangs the others exit with an error instead of waiting for it
/// forever.
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

    /// <summary>
    /// A process that is alive but silent (stopped with SIGSTOP, as a deadlock or a swapped-out machine would leave it)
    /// does not end MPI's connections, so only the collective timeout can end the run: rank 0 waits in its next
    /// all-reduction, its watchdog ends the run with exit code 124 after --collective-timeout seconds, and MPICH's
    /// launcher then kills the stopped process.
    /// </summary>
    [Fact]
    public void WhenARankHangsTheSurvivorsEndTheRunAfterTheCollectiveTimeoutNamingIt()
    {
        // Long enough after the stop for the watchdog (5 s, checked every 0.5 s) and the launcher's clean-up, and far
        // below the default timeout of 300 s that would apply if the option were ignored.
        var patience = TimeSpan.FromSeconds(60);
        string marker = Guid.NewGuid().ToString("N");
        var run = MpiRuns.StartMpi(marker, (2, [.. Train(1_000_000), "--collective-timeout", "5"]));
        var clock = Stopwatch.StartNew();
        int? victim = null;
        while (victim is null && clock.Elapsed < TimeSpan.FromMinutes(1) && !run.HasExited)
        {
            victim = MpiRuns.FindRank(marker, 1);
            Thread.Sleep(100);
        }
        Assert.True(victim is not null, "rank 1 never started");
        try
        {
            Thread.Sleep(TimeSpan.FromSeconds(8));
            Assert.False(run.HasExited, "the run ended before rank 1 was stopped");
            MpiRuns.Stop(victim.Value);
            var (code, log) = MpiRuns.Finish(run, patience);
            Assert.True(code != -1, $"the survivors still ran {patience.TotalSeconds:0} s after rank 1 was stopped:\n{log}");
            Assert.Equal(124, code);
            Assert.True(log.Contains("longer than the collective timeout of 5 s (--collective-timeout)"), log);
            // The launcher's SIGKILL may land just after it exits itself.
            var reaped = Stopwatch.StartNew();
            while (MpiRuns.IsAlive(victim.Value) && reaped.Elapsed < TimeSpan.FromSeconds(10))
                Thread.Sleep(100);
            Assert.False(MpiRuns.IsAlive(victim.Value), "the stopped rank was left behind");
        }
        finally
        {
            MpiRuns.Kill(victim.Value);
        }
    }
}
