using System.Diagnostics;
using Xunit.Abstractions;

namespace PrecondFlow.Tests.Cli;

/// <summary>
/// `train --checkpoint-every` killed with SIGKILL at seeded moments, and then resumed with `train --resume` as often as
/// it takes, ends with the same bytes in field.bin, ema.bin and optimizer.bin as a run that was never interrupted: a
/// checkpoint is either complete or absent (the folder is swapped in whole), and it holds everything the next step
/// depends on (weights, EMA, optimizer moments, the generator's state, the step).
/// </summary>
public sealed class KillAndResumeTests(ITestOutputHelper output) : IDisposable
{
    private const int RandomMoments = 8;
    private const int DuringCheckpointWrites = 5;
    private static readonly string[] Compared = ["field.bin", "ema.bin", "optimizer.bin"];
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-kill-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly string[] Settings =
        ["--data", "moons", "--count", "500", "--steps", "200", "--batch-size", "64", "--hidden", "32,32", "--ema", "0.99",
         "--checkpoint-every", "10", "--log-every", "10", "--seed", "3"];

    [Fact]
    public void AKilledTrainingRunResumesToBitIdenticalWeightsEMAAndOptimizerState()
    {
        var reference = Path.Combine(root, "reference", "model");
        var clock = Stopwatch.StartNew();
        var (code, log) = ChildProcessKills.Run(["train", .. Settings, "--out", reference], kill: null);
        Assert.True(code == 0, log);
        var duration = clock.Elapsed;
        var expected = Compared.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(reference, f)));

        var random = new Random(14);
        var report = new List<string>();
        for (int run = 0; run < RandomMoments + DuringCheckpointWrites; run++)
        {
            var folder = Path.Combine(root, $"run-{run}", "model");
            Func<Process, string>? kill = run < RandomMoments
                ? ChildProcessKills.KillAfter(TimeSpan.FromTicks((long)((0.05 + 0.7 * random.NextDouble()) * duration.Ticks)))
                : ChildProcessKills.KillWhileStaging(Path.GetDirectoryName(folder)!, $".{Path.GetFileName(folder)}.*.tmp",
                    sightings: random.Next(1, 19), "checkpoint write");
            var (firstCode, firstLog) = ChildProcessKills.Run(["train", .. Settings, "--out", folder], kill);
            // A moment drawn from the reference run's duration can come after the end on a busy machine; the kills
            // inside checkpoint writes wait for their write and always land.
            if (run >= RandomMoments)
                Assert.DoesNotContain("never", firstLog);
            string moment = firstLog;
            int resumes = 0;
            var from = File.Exists(Path.Combine(folder, "model.json")) ? $"from step {Step(folder)}" : "from scratch (no checkpoint yet)";
            while (!Finished(folder))
            {
                string[] arguments = File.Exists(Path.Combine(folder, "model.json"))
                    ? ["train", "--resume", folder, .. Settings, "--out", folder]
                    : ["train", .. Settings, "--out", folder];
                var (c, l) = ChildProcessKills.Run(arguments, kill: null);
                Assert.True(c == 0, $"run {run} (killed {moment}): resume {resumes} failed:\n{l}");
                resumes++;
                Assert.True(resumes < 3, $"run {run}: resuming does not finish");
            }
            foreach (var file in Compared)
                Assert.True(expected[file].AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, file))),
                    $"run {run} (killed {moment}, exit {firstCode}, {resumes} resumes): {file} differs from the uninterrupted run");
            int leftovers = ChildProcessKills.StagingLeftovers(Path.GetDirectoryName(folder)!);
            report.Add($"  run {run}: killed {moment}; {resumes} resume(s) {(resumes > 0 ? from : "")}; identical; " +
                $"{leftovers} staging folder(s) left behind");
        }
        output.WriteLine($"{RandomMoments + DuringCheckpointWrites} kills ({RandomMoments} at random moments, {DuringCheckpointWrites} " +
            $"while a checkpoint was being written), uninterrupted run {duration.TotalSeconds:0.0} s:");
        foreach (var line in report)
            output.WriteLine(line);
    }

    /// <summary>A finished folder records the last step (its manifest says so); anything else needs a resume.</summary>
    private static bool Finished(string folder)
    {
        var manifest = Path.Combine(folder, "model.json");
        return File.Exists(manifest) && Step(folder) == 200;
    }

    private static int Step(string folder) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "model.json")))!["step"]!.GetValue<int>();
}
