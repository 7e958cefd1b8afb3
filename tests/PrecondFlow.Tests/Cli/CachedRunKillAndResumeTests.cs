using System.Diagnostics;
using PrecondFlow.Reporting.Studies;
using Xunit.Abstractions;

namespace PrecondFlow.Tests.Cli;

/// <summary>
/// `study` and `reproduce table2 --quick` killed with SIGKILL at seeded moments (some inside a cache write), then run again
/// with the same command as often as it takes, end with the same numbers in their results file as a run that was never
/// interrupted (timings aside): a cache entry is either complete or absent (its folder is swapped in whole), a rerun
/// reuses the complete ones and never reads a half-written one.
/// </summary>
public sealed class CachedRunKillAndResumeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-kill-cache-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>Arms none and whiten, two learning rates, two seeds: 4 trials and 4 seeds, 8 cache entries; a few seconds.</summary>
    private static string[] Study(string folder, string cache) =>
        ["study", "--data", "elongated-gaussian", "--kappa", "100", "--count", "600", "--arms", "none,whiten", "--lr-grid", "1e-3,3e-3",
         "--steps", "60", "--first-eval", "15", "--warmup", "5", "--seeds", "2", "--samples", "100", "--sampler-steps", "4",
         "--hidden", "8", "--threads", "1", "--out", folder, "--cache-dir", cache];

    private static string[] Table2(string folder, string cache) =>
        ["reproduce", "table2", "--quick", "--out", folder, "--cache-dir", cache];

    [Fact]
    public void AKilledStudyResumesFromItsCacheToTheSameNumbers() =>
        KillAndResume(Study, StudyReport.ResultsFile, cache => Path.Combine(cache, "study"), cacheWrites: 8,
            randomMoments: 5, duringCacheWrites: 5, seed: 14);

    /// <summary>The fast subset of <see cref="AKilledTable2RunResumesFromItsCacheToTheSameNumbersAtTwelveMoments"/> (a run
    /// takes about 30 s here, the test 60–110 s): one kill inside a cache write (the classifier's or the VAE's, drawn by the
    /// seed). In the slow category to keep CI well within its time: the cache's atomic writes are the same code as the
    /// study's, killed in CI above, and every damaged table2 cache entry is tested in CI by the fault-injection tests.</summary>
    [Fact, Trait("Category", "Slow")]
    public void AKilledTable2RunResumesFromItsCacheToTheSameNumbers() =>
        KillAndResume(Table2, "results.json", cache => Path.Combine(cache, "mnist"), cacheWrites: 2,
            randomMoments: 0, duringCacheWrites: 1, seed: 15);

    [Fact, Trait("Category", "Slow")]
    public void AKilledTable2RunResumesFromItsCacheToTheSameNumbersAtTwelveMoments() =>
        KillAndResume(Table2, "results.json", cache => Path.Combine(cache, "mnist"), cacheWrites: 2,
            randomMoments: 8, duringCacheWrites: 4, seed: 16);

    /// <summary>Runs the command once uninterrupted, then <paramref name="randomMoments"/> + <paramref name="duringCacheWrites"/>
    /// times with a kill, each followed by reruns of the same command until one succeeds, and compares the numbers.</summary>
    /// <param name="command">The command line for an output folder and a cache folder.</param>
    /// <param name="entries">The folder of the cache entries (where staging folders appear) for a cache folder.</param>
    /// <param name="cacheWrites">How many cache entries an uninterrupted run writes.</param>
    private void KillAndResume(Func<string, string, string[]> command, string resultsFile, Func<string, string> entries, int cacheWrites,
        int randomMoments, int duringCacheWrites, int seed)
    {
        var clock = Stopwatch.StartNew();
        var reference = Path.Combine(root, "reference");
        var (code, log) = ChildProcessKills.Run(command(Path.Combine(reference, "out"), Path.Combine(reference, "cache")), kill: null);
        Assert.True(code == 0, log);
        var duration = clock.Elapsed;
        var referenceDuration = duration;
        Assert.Equal(cacheWrites, Directory.GetDirectories(entries(Path.Combine(reference, "cache"))).Length);
        var expected = ChildProcessKills.Numbers(Path.Combine(reference, "out", resultsFile));

        var random = new Random(seed);
        var report = new List<string>();
        for (int run = 0; run < randomMoments + duringCacheWrites; run++)
        {
            var folder = Path.Combine(root, $"run-{run}");
            string[] arguments = command(Path.Combine(folder, "out"), Path.Combine(folder, "cache"));
            var cache = entries(Path.Combine(folder, "cache"));
            string moment;
            if (run < randomMoments)
            {
                // The first run of a process is slower than later ones (cold files): a moment drawn from its duration can come
                // after the end. Such a run is thrown away and the moment drawn again from the duration of the faster run.
                for (int attempt = 1; ; attempt++)
                {
                    var delay = TimeSpan.FromTicks((long)((0.05 + 0.9 * random.NextDouble()) * duration.Ticks));
                    var attemptClock = Stopwatch.StartNew();
                    (_, moment) = ChildProcessKills.Run(arguments, ChildProcessKills.KillAfter(delay));
                    if (!moment.StartsWith("never") || attempt == 4)
                        break;
                    duration = attemptClock.Elapsed;
                    Directory.Delete(folder, recursive: true);
                }
            }
            else
                (_, moment) = ChildProcessKills.Run(arguments,
                    ChildProcessKills.KillWhileStaging(cache, ".*.tmp", sightings: random.Next(1, cacheWrites + 1), "cache write"));
            Assert.DoesNotContain("never", moment);
            int complete = Directory.Exists(cache) ? Directory.GetDirectories(cache).Count(d => !Path.GetFileName(d).StartsWith('.')) : 0;
            int leftovers = ChildProcessKills.StagingLeftovers(cache);
            int reruns = 0;
            while (!File.Exists(Path.Combine(folder, "out", resultsFile)))
            {
                var (c, l) = ChildProcessKills.Run(arguments, kill: null);
                Assert.True(c == 0, $"run {run} (killed {moment}): rerun {reruns} failed:\n{l}");
                reruns++;
                Assert.True(reruns < 3, $"run {run}: rerunning does not finish");
            }
            var actual = ChildProcessKills.Numbers(Path.Combine(folder, "out", resultsFile));
            Assert.True(expected == actual, $"run {run} (killed {moment}, {reruns} reruns): {resultsFile} differs from the " +
                $"uninterrupted run, first at {expected.Split('\n').Zip(actual.Split('\n')).FirstOrDefault(p => p.First != p.Second)}");
            report.Add($"  run {run}: killed {moment}; {complete} of {cacheWrites} entries complete, {leftovers} staging folder(s) " +
                $"left; {reruns} rerun(s); identical");
        }
        output.WriteLine($"{randomMoments + duringCacheWrites} kills ({randomMoments} at random moments, {duringCacheWrites} inside " +
            $"cache writes), uninterrupted run {referenceDuration.TotalSeconds:0.0} s, all in {clock.Elapsed.TotalSeconds:0} s:");
        foreach (var line in report)
            output.WriteLine(line);
    }
}
