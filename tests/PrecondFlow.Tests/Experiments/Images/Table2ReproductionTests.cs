using System.Text.Json;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Tests.Experiments.Images;

/// <summary>
/// The quick budget of the Table 2 reproduction checks structure and sanity only: every arm and seed, finite and plausible
/// numbers, every figure written and linked, the shared networks reused from the cache, and the same numbers on a rerun.
/// </summary>
public class Table2ReproductionTests(QuickTable2 runs) : IClassFixture<QuickTable2>
{
    public static TheoryData<string> Datasets => new() { "mnist", "fashion-mnist" };

    private (ExperimentResult Result, string Folder) Run(string dataset) => dataset == "mnist" ? runs.Mnist : runs.Fashion;

    [Theory]
    [MemberData(nameof(Datasets))]
    public void EveryArmRunsEverySeedWithFiniteMetrics(string dataset)
    {
        var result = Run(dataset).Result;
        Assert.Equal(Table2Experiment.Arms, result.Arms.Select(a => a.Name));
        foreach (var arm in result.Arms)
        {
            Assert.Equal([0L, 1L], arm.Runs.Select(r => r.Seed));
            foreach (var metric in Table2Experiment.Metrics)
                Assert.All(arm.Values(metric.Key), v => Assert.True(double.IsFinite(v), $"{arm.Name} {metric.Key} = {v}"));
            // A Fréchet distance is non-negative up to round-off; a share is a fraction.
            Assert.All(arm.Values(Table2Experiment.Fid.Key), v => Assert.True(v > -1e-6));
            Assert.All(arm.Values(Table2Experiment.ClassError.Key), v => Assert.InRange(v, 0, 1));
        }
        // Closed-form class-conditional whitening makes each class's latents isotropic, but the mixture of classes
        // keeps the spread of the class means: κ(Cov P(x)) ≥ 1 always, and it must differ from the raw latents' κ.
        Assert.All(result.Arms, a => Assert.All(a.Values(Table2Experiment.PushforwardKappa.Key), k => Assert.True(k >= 1)));
    }

    [Theory]
    [MemberData(nameof(Datasets))]
    public void TheReportStatesTheFloorTheClassifierAccuracyAndTheReconstructionError(string dataset)
    {
        var result = Run(dataset).Result;
        Assert.Equal(2, result.NoiseFloor[Table2Experiment.Fid.Key].Count);
        var references = result.References!.ToDictionary(r => r.Key, r => r.Value);
        // 60 steps on 1 000 images separate ten classes far better than chance (10%); measured ≈ 0.8.
        Assert.InRange(references["classifier_test_accuracy"], 0.5, 1.0);
        Assert.InRange(references["vae_reconstruction_mse"], 0, 0.25);
        Assert.True(references["fid_vae_reconstructions"] >= 0);
        var report = File.ReadAllText(Path.Combine(Run(dataset).Folder, ExperimentReport.ReportFile));
        Assert.Contains("FID classifier: test accuracy", report);
        Assert.Contains("VAE: reconstruction MSE per pixel", report);
        Assert.Contains("noise floor", report);
        Assert.Contains("The paper's ordering", report);
    }

    [Theory]
    [MemberData(nameof(Datasets))]
    public void TheFolderHoldsEveryFigureTheReportEmbeds(string dataset)
    {
        var (result, folder) = Run(dataset);
        var expected = Table2Experiment.Arms.Select(a => $"samples-{a}.png")
            .Concat(["kappa.png", "loss.png", "reconstructions.png", "networks-training.png"]).ToArray();
        var report = File.ReadAllText(Path.Combine(folder, ExperimentReport.ReportFile));
        foreach (var file in expected)
        {
            var path = Path.Combine(folder, file);
            Assert.True(File.Exists(path), $"{file} missing");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(path).Take(4).ToArray());
            Assert.Contains($"]({file})", report);
        }
        Assert.Equal(expected.Length, result.Figures.Count);
    }

    [Fact]
    public void ResultsJsonHoldsFidPerArmAndSeedTheReferencesAndTheSettings()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs.Mnist.Folder, ExperimentReport.ResultsFile)));
        var root = json.RootElement;
        Assert.Equal("table2", root.GetProperty("experiment").GetString());
        Assert.Contains("--dataset mnist", root.GetProperty("command").GetString());
        foreach (var arm in root.GetProperty("arms").EnumerateArray())
        {
            Assert.Equal(2, arm.GetProperty("per_seed").GetArrayLength());
            Assert.True(arm.GetProperty("summary").GetProperty("fid").GetProperty("mean").GetDouble() >= 0);
        }
        Assert.Contains(root.GetProperty("references").EnumerateArray(), r => r.GetProperty("key").GetString() == "classifier_test_accuracy");
        var configuration = root.GetProperty("configuration");
        Assert.Equal("mnist", configuration.GetProperty("data").GetProperty("dataset").GetString());
        Assert.Equal(1000, configuration.GetProperty("data").GetProperty("train_images").GetInt32());
    }

    [Fact]
    public void ASecondRunReusesTheCachedNetworksAndReproducesEveryNumber()
    {
        var first = runs.Mnist.Result;
        var second = runs.MnistAgain.Result;
        var firstRefs = first.References!.ToDictionary(r => r.Key, r => r.Value);
        var secondRefs = second.References!.ToDictionary(r => r.Key, r => r.Value);
        Assert.Equal(firstRefs["classifier_test_accuracy"], secondRefs["classifier_test_accuracy"]);
        Assert.Equal(firstRefs["vae_reconstruction_mse"], secondRefs["vae_reconstruction_mse"]);
        var report = File.ReadAllText(Path.Combine(runs.MnistAgain.Folder, ExperimentReport.ReportFile));
        Assert.Contains("reused from the cache", report);
        // Same seeds, same cached networks, same CPU: the flows train and sample identically.
        foreach (var (a, b) in first.Arms.Zip(second.Arms))
            foreach (var metric in Table2Experiment.Metrics)
                Assert.Equal(a.Values(metric.Key), b.Values(metric.Key));
    }
}
