using System.Text.Json;
using System.Text.Json.Nodes;
using PrecondFlow.Couplings;
using PrecondFlow.Experiments.Couplings;
using PrecondFlow.Reporting.Couplings;
using PrecondFlow.Tests.Cli;

namespace PrecondFlow.Tests.Experiments.Couplings;

/// <summary>`precondflow reproduce couplings --quick`: every file, every arm × problem × seed × solver setting, finite
/// numbers, and the same numbers twice.</summary>
[Collection(QuickCouplings.Collection)]
public class ReproduceCouplingsTests(QuickCouplings runs)
{
    private static JsonNode Results(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, CouplingsReport.ResultsFile)))!;

    [Fact]
    public void AQuickRunSucceedsAndWritesEveryFile()
    {
        var (outcome, folder) = runs.First;
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        string[] files = [CouplingsReport.ResultsFile, CouplingsReport.ReportFile, CouplingsReport.QualityFigure, CouplingsReport.LossFigure,
            CouplingsReport.SamplesFigure("moons"), CouplingsReport.SamplesFigure("elongated"), CouplingsReport.SamplesFigure("swiss-roll")];
        foreach (var file in files)
            Assert.True(new FileInfo(Path.Combine(folder, file)).Length > 0, $"{file} is missing or empty");
        foreach (var png in files.Where(f => f.EndsWith(".png")))
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(folder, png)).Take(4));
        Assert.Equal(files.Order(), Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void EveryProblemArmSeedAndSolverSettingHasFiniteNumbers()
    {
        var results = Results(runs.First.Folder);
        var problems = results["problems"]!.AsArray();
        Assert.Equal(["moons", "elongated", "swiss-roll"], problems.Select(p => p!["problem"]!.GetValue<string>()));
        foreach (var problem in problems)
        {
            Assert.All(problem!["noise_floor_sw2"]!.AsArray(), v => AssertFinite(v!.GetValue<double>()));
            var arms = problem["arms"]!.AsArray();
            Assert.Equal(CouplingArm.All.Select(a => a.Key), arms.Select(a => a!["arm"]!.GetValue<string>()));
            foreach (var arm in arms)
            {
                var seeds = arm!["runs"]!.AsArray();
                Assert.Equal([0L, 1L], seeds.Select(r => r!["seed"]!.GetValue<long>()));
                foreach (var run in seeds)
                {
                    var quality = run!["quality"]!.AsArray();
                    Assert.Equal(CouplingsExperiment.SolverGrid.Select(g => (g.Solver, g.Steps, CouplingsExperiment.Nfe(g.Solver, g.Steps))),
                        quality.Select(q => (q!["solver"]!.GetValue<string>(), q["steps"]!.GetValue<int>(), q["nfe"]!.GetValue<int>())));
                    foreach (var q in quality)
                    {
                        AssertPositive(q!["sw2"]!.GetValue<double>());
                        AssertPositive(q["sw2_whitened"]!.GetValue<double>());
                    }
                    AssertPositive(run["straightness"]!.GetValue<double>());
                    AssertPositive(run["straightness_data"]!.GetValue<double>());
                    AssertPositive(run["train_seconds"]!.GetValue<double>());
                    var loss = run["loss"]!.AsArray();
                    Assert.Equal(CouplingsOptions.Quick.Steps, loss[^1]!["step"]!.GetValue<int>());
                    Assert.All(loss, p => AssertFinite(p!["loss"]!.GetValue<double>()));
                }
            }
        }
    }

    [Fact]
    public void TwoRunsWithTheSameSeedsWriteTheSameNumbers()
    {
        Assert.True(runs.Second.Outcome.ExitCode == 0, runs.Second.Outcome.Error);
        // Timings are the only numbers allowed to differ: every key that ends in "seconds", and the runtime entry.
        var first = Strip(Results(runs.First.Folder));
        var second = Strip(Results(runs.Second.Folder));
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.Contains("\"sw2\"", first.ToJsonString());
    }

    [Fact]
    public void TheReportAnswersTheThreeQuestionsForEveryProblem()
    {
        var report = File.ReadAllText(Path.Combine(runs.First.Folder, CouplingsReport.ReportFile));
        Assert.Contains("## Findings", report);
        foreach (var title in CouplingProblem.All(CouplingsOptions.Quick.Kappa).Select(p => p.Title))
        {
            Assert.Contains($"**{title}**, OT vs independent at NFE 2", report);
            Assert.Contains($"**{title}**, Sinkhorn vs exact OT", report);
            Assert.Contains($"**{title}**, exact OT with whitening, cost in data space", report);
            Assert.Contains($"## {title}", report);
        }
        Assert.Contains("∫₀¹ ‖v(x_t, t) − (x₁ − x₀)‖² dt", report);
        Assert.DoesNotContain("NaN", report);
    }

    private static JsonNode Strip(JsonNode node)
    {
        if (node is JsonObject o)
        {
            foreach (var key in o.Select(p => p.Key).ToArray())
                if (key.EndsWith("seconds") || key == "runtime" || key == "command")
                    o.Remove(key);
                else
                    Strip(o[key]!);
        }
        else if (node is JsonArray a)
        {
            foreach (var item in a)
                if (item is not null)
                    Strip(item);
        }
        return node;
    }

    private static void AssertFinite(double value) => Assert.True(double.IsFinite(value), $"{value} is not finite");

    private static void AssertPositive(double value) => Assert.True(double.IsFinite(value) && value > 0, $"{value} is not a positive number");
}

/// <summary>Bad input to the couplings experiment: a clear message, and no folder written.</summary>
public class CouplingsInputTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-couplings-input-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void ZeroSeedsAreRejectedOnTheCommandLine()
    {
        var output = Path.Combine(folder, "report");
        var outcome = CliRunner.Run("reproduce", "couplings", "--quick", "--seeds", "0", "--out", output);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("--seeds must be a positive whole number; got 0", outcome.Error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void NoSeedsOrARepeatedSeedIsRejected()
    {
        Assert.Contains("at least one seed", Assert.Throws<ArgumentException>(() => CouplingsExperiment.CheckSeeds([])).Message);
        Assert.Contains("0, 1, 0", Assert.Throws<ArgumentException>(() => CouplingsExperiment.CheckSeeds([0, 1, 0])).Message);
    }

    [Theory]
    [InlineData("Steps")]
    [InlineData("TrainCount")]
    [InlineData("StraightnessPoints")]
    [InlineData("SinkhornEpsilon")]
    public void AnOutOfRangeSettingIsNamed(string setting)
    {
        var options = setting switch
        {
            "Steps" => CouplingsOptions.Quick with { Steps = 0 },
            "TrainCount" => CouplingsOptions.Quick with { TrainCount = CouplingsOptions.Quick.BatchSize - 1 },
            "StraightnessPoints" => CouplingsOptions.Quick with { StraightnessPoints = CouplingsOptions.Quick.TestCount + 1 },
            _ => CouplingsOptions.Quick with { SinkhornEpsilon = 0 },
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => CouplingsExperiment.Run(options, [0], TorchSharp.torch.CPU));
        Assert.Equal(setting, error.ParamName);
    }

    [Fact]
    public void TheArmsAreEveryCouplingWithAndWithoutWhiteningAndOtInDataSpace()
    {
        var keys = CouplingArm.All.Select(a => a.Key).ToArray();
        Assert.Equal(["independent·none", "ot·none", "sinkhorn·none", "independent·whiten", "ot·whiten", "sinkhorn·whiten", "ot·whiten·data"], keys);
        Assert.Single(CouplingArm.All, a => a.Space == CouplingSpace.Data);
    }
}
