using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Reporting.TensorBoard;
using PrecondFlow.Tests.Cli;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Reporting;

/// <summary>`study --tensorboard DIR` (and <c>reproduce</c>'s 2D experiments): one TensorBoard run per arm and seed with the
/// main flow's curves, every study metric at each evaluation step and a scatter image of the final samples; logging
/// changes no number of the study.</summary>
public class TensorBoardStudyLogTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-tensorboard-study-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static StudyOptions Options => new(
        Arms: ["none", "whiten"], Steps: 120, FirstEvaluation: 30, Seeds: 2, LearningRates: [2e-3], WarmupSteps: 5, Hidden: [16, 16],
        BatchSize: 64, SolverSteps: 4, Samples: 150, ComputeMatched: false, MetricSamples: 150, Projections: 8);

    private static StudyData Data() => new(new SwissRoll().Sample(600, seed: 0), "swiss-roll, 600 points");

    [Fact]
    public void EveryArmAndSeedGetsItsCurvesEveryMetricAtEachEvaluationAndAScatterOfTheFinalSamples()
    {
        var logs = Path.Combine(folder, "runs");
        var logged = ConvergenceStudy.Run(Options, Data(), CPU, observer: new TensorBoardStudyLog(logs));
        var plain = ConvergenceStudy.Run(Options, Data(), CPU);

        foreach (var arm in logged.Arms)
        {
            // Logging only reads: the study's numbers are the same bit for bit.
            var twin = plain.Arms.Single(a => a.Name == arm.Name);
            foreach (var (metric, perSeed) in arm.Metrics)
                Assert.Equal(twin.Metrics[metric].SelectMany(s => s), perSeed.SelectMany(s => s));

            for (int seed = 0; seed < Options.Seeds; seed++)
            {
                var run = Path.Combine(logs, arm.Name, $"seed-{seed}");
                Assert.True(Directory.Exists(run), $"{run} is missing");
                var scalars = TensorBoardEventFile.Scalars(run);
                foreach (var (metric, perSeed) in arm.Metrics)
                {
                    var curve = scalars.Where(s => s.Tag == $"eval/{metric}").ToArray();
                    Assert.Equal(arm.Steps.Select(s => (long)s), curve.Select(s => s.Step));
                    Assert.Equal(perSeed[seed].Select(v => (float)v), curve.Select(s => s.Value));
                }
                var loss = scalars.Where(s => s.Tag == "main-flow/loss").Select(s => s.Step).ToArray();
                output.WriteLine($"{arm.Name} seed {seed}: main-flow/loss at steps {string.Join(", ", loss)}; " +
                    $"eval at {string.Join(", ", arm.Steps)}; {arm.Metrics.Count} metrics");
                // Windows of 50 steps (StudyOptions.Training), and a shorter one closed at each evaluation point, where the
                // staged training stops.
                Assert.Equal([30L, 50L, 60L, 100L, 120L], loss);
                Assert.Equal(loss, scalars.Where(s => s.Tag == "main-flow/learning_rate").Select(s => s.Step));
                Assert.Equal(loss, scalars.Where(s => s.Tag == "main-flow/gradient_norm").Select(s => s.Step));
                Assert.All(scalars.Where(s => s.Tag == "main-flow/loss"), s => Assert.True(float.IsFinite(s.Value) && s.Value > 0));

                var image = Assert.Single(TensorBoardEventFile.Images(run));
                Assert.Equal(TensorBoardStudyLog.SamplesTag, image.Tag);
                Assert.Equal(Options.Steps, image.Step);
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, image.Encoded.Take(4));
                output.WriteLine($"  samples image: {image.Width}×{image.Height}, {image.Encoded.Length} bytes of PNG");
            }
        }
    }

    [Fact]
    public void TheStudyCommandWritesOneRunPerArmAndSeed()
    {
        var logs = Path.Combine(folder, "runs");
        var outcome = CliRunner.Run("study", "--data", "elongated-gaussian", "--kappa", "100", "--count", "600", "--arms", "none,whiten",
            "--steps", "40", "--first-eval", "20", "--warmup", "5", "--seeds", "1", "--samples", "100", "--sampler-steps", "4",
            "--hidden", "8", "--out", Path.Combine(folder, "study"), "--cache-dir", Path.Combine(folder, "cache"), "--tensorboard", logs);
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.Equal(["none", "whiten"], Directory.GetDirectories(logs).Select(Path.GetFileName).Order());
        foreach (var arm in new[] { "none", "whiten" })
        {
            var run = Path.Combine(logs, arm, "seed-0");
            var steps = TensorBoardEventFile.Scalars(run).Where(s => s.Tag == "eval/sliced_wasserstein").Select(s => s.Step);
            Assert.Equal([20L, 40L], steps);
            Assert.Single(TensorBoardEventFile.Images(run));
        }
    }

    [Fact]
    public void ReproduceLogsEveryRegimeArmAndSeedWithTheValuesOfItsStudyJson()
    {
        var logs = Path.Combine(folder, "runs");
        var results = Path.Combine(folder, "fig2");
        var outcome = CliRunner.Run("reproduce", "fig2", "--quick", "--seeds", "3", "--out", results, "--tensorboard", logs);
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        var regimes = Directory.GetDirectories(results).Select(Path.GetFileName).Order().ToArray();
        Assert.NotEmpty(regimes);
        Assert.Equal(regimes, Directory.GetDirectories(logs).Select(Path.GetFileName).Order());
        foreach (var regime in regimes)
        {
            using var study = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(results, regime!, "study.json")));
            foreach (var arm in study.RootElement.GetProperty("arms").EnumerateArray())
            {
                var name = arm.GetProperty("name").GetString()!;
                var steps = arm.GetProperty("steps").EnumerateArray().Select(s => (long)s.GetInt32()).ToArray();
                var sw = arm.GetProperty("metrics").GetProperty("sliced_wasserstein").EnumerateArray().ToArray();
                for (int seed = 0; seed < sw.Length; seed++)
                {
                    var run = Path.Combine(logs, regime!, name, $"seed-{seed}");
                    var curve = TensorBoardEventFile.Scalars(run).Where(s => s.Tag == "eval/sliced_wasserstein").ToArray();
                    Assert.Equal(steps, curve.Select(s => s.Step));
                    Assert.Equal(sw[seed].EnumerateArray().Select(v => (float)v.GetDouble()), curve.Select(s => s.Value));
                    Assert.Equal(steps[^1], Assert.Single(TensorBoardEventFile.Images(run)).Step);
                }
            }
        }
    }

    [Fact]
    public void ReproduceRefusesTensorBoardForTable2()
    {
        var outcome = CliRunner.Run("reproduce", "table2", "--quick", "--out", Path.Combine(folder, "t2"), "--tensorboard", Path.Combine(folder, "runs"));
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--tensorboard applies to the 2D convergence studies", outcome.Error);
    }
}
