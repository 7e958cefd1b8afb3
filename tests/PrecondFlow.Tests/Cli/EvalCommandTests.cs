using System.Text.Json;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;

namespace PrecondFlow.Tests.Cli;

/// <summary>`precondflow eval` writes every metric of the evidence set to metrics.json, old keys included.</summary>
public class EvalCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-eval-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string WriteSamples(string dataset, int count)
    {
        var path = Path.Combine(folder, "samples.csv");
        PointCloudFiles.Write(path, ToyDatasets.Create(dataset, count, seed: 1));
        return path;
    }

    private JsonElement ReadMetrics(string output) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json"))).RootElement;

    [Fact]
    public void AGeneratedReferenceWithACurveGivesEveryNewKeyNextToTheOldOnes()
    {
        var output = Path.Combine(folder, "eval");
        var run = CliRunner.Run("eval", "--samples", WriteSamples("swiss-roll", 600), "--reference", "swiss-roll",
            "--reference-count", "800", "--knn-k", "5", "--mmd-bandwidths", "0.1,0.5", "--out", output);
        Assert.True(run.ExitCode == 0, run.Error);
        var metrics = ReadMetrics(output);
        foreach (var key in new[]
        {
            "mmd", "mmd_bandwidths", "sliced_wasserstein", "sliced_wasserstein_1", "sliced_wasserstein_2", "energy", "frechet",
            "count_a", "count_b", "dim", "seed",
            "precision", "recall", "density", "coverage", "spectrum_min_ratio", "spectrum_max_ratio",
            "whitened_sliced_wasserstein", "whitened_mmd", "mmd_fixed", "curve_distance_mean", "curve_distance_p99",
            "curve_share_beyond_3_sigma",
        })
            Assert.True(metrics.TryGetProperty(key, out _), $"metrics.json lacks \"{key}\"");
        Assert.Equal(5, metrics.GetProperty("knn_k").GetInt32());
        Assert.Equal([0.1, 0.5], metrics.GetProperty("mmd_fixed_bandwidths").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Contains("precision", run.Out);
        Assert.Contains("whitened", run.Out);
    }

    [Fact]
    public void AReferenceFileHasNoCurveMetrics()
    {
        var samples = WriteSamples("8gaussians", 300);
        var reference = Path.Combine(folder, "reference.csv");
        PointCloudFiles.Write(reference, ToyDatasets.Create("8gaussians", 400, seed: 2));
        var output = Path.Combine(folder, "eval");
        var run = CliRunner.Run("eval", "--samples", samples, "--reference", reference, "--out", output);
        Assert.True(run.ExitCode == 0, run.Error);
        var metrics = ReadMetrics(output);
        Assert.False(metrics.TryGetProperty("curve_distance_mean", out _));
        // Both files carry labels: the spectra are compared class by class too.
        Assert.Equal(8, metrics.GetProperty("spectrum_per_class").EnumerateObject().Count());
    }

    [Fact]
    public void ABadBandwidthIsQuotedWithAnExample()
    {
        var run = CliRunner.Run("eval", "--samples", WriteSamples("moons", 100), "--reference", "moons",
            "--mmd-bandwidths", "0.1,wide", "--out", Path.Combine(folder, "eval"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'wide'", run.Error);
        Assert.Contains("0.1,0.5,2", run.Error);
    }
}
