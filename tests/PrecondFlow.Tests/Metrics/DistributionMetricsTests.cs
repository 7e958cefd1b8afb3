using System.Text.Json;
using PrecondFlow.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class DistributionMetricsTests
{
    [Fact]
    public void CompareGathersEveryMetricWithTheSameSeed()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var a = randn(300, 2, generator: generator);
        var b = randn(200, 2, generator: generator) + 0.5;
        var options = new DistributionMetricsOptions { MaxSamples = 150, Projections = 64 };
        var c = DistributionMetrics.Compare(a, b, seed: 7, options);
        Assert.Equal(MaximumMeanDiscrepancy.Compute(a, b, 7, 150).Value, c.Mmd);
        Assert.Equal(SlicedWasserstein.Compute(a, b, 1, 64, 7), c.SlicedWasserstein1);
        Assert.Equal(SlicedWasserstein.Compute(a, b, 2, 64, 7), c.SlicedWasserstein2);
        Assert.Equal(c.SlicedWasserstein2, c.SlicedWasserstein);
        Assert.Equal(EnergyDistance.Compute(a, b, 7, 150), c.Energy);
        Assert.Equal(FrechetDistance.Compute(a, b), c.Frechet);
        Assert.Equal((300L, 200L, 2), (c.CountA, c.CountB, c.Dim));
        Assert.Equal(5, c.MmdBandwidths.Count);
    }

    [Fact]
    public void JsonHasTheDocumentedSnakeCaseKeys()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(2);
        var a = randn(100, 2, generator: generator);
        var b = randn(100, 2, generator: generator);
        var c = DistributionMetrics.Compare(a, b);
        var folder = Directory.CreateTempSubdirectory("metrics-").FullName;
        try
        {
            var single = Path.Combine(folder, "metrics.json");
            DistributionMetrics.WriteJson(single, c);
            using var json = JsonDocument.Parse(File.ReadAllText(single));
            var keys = json.RootElement.EnumerateObject().Select(p => p.Name).OrderBy(k => k, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "count_a", "count_b", "dim", "energy", "frechet", "mmd", "mmd_bandwidths", "seed",
                "sliced_wasserstein", "sliced_wasserstein_1", "sliced_wasserstein_2" }, keys);
            Assert.Equal(c.SlicedWasserstein2, json.RootElement.GetProperty("sliced_wasserstein").GetDouble());
            Assert.Equal(c.Mmd, json.RootElement.GetProperty("mmd").GetDouble());

            var table = Path.Combine(folder, "table1.json");
            DistributionMetrics.WriteJson(table, new Dictionary<string, DistributionComparison>
            {
                ["data_to_gaussian"] = c, ["gaussian_to_data"] = c,
            });
            using var named = JsonDocument.Parse(File.ReadAllText(table));
            Assert.Equal(c.Energy, named.RootElement.GetProperty("gaussian_to_data").GetProperty("energy").GetDouble());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AFeatureExtractorTurnsTheFrechetDistanceIntoAnFid()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var a = randn(200, 3, generator: generator);
        var b = randn(200, 3, generator: generator) * tensor(new[] { 1f, 1f, 5f });
        var extractor = new FirstCoordinate();
        var plain = DistributionMetrics.Compare(a, b);
        var fid = DistributionMetrics.Compare(a, b, options: new DistributionMetricsOptions { FeatureExtractor = extractor });
        // The scaled third coordinate dominates the plain distance and is invisible to the extractor.
        Assert.Equal(FrechetDistance.Compute(a.narrow(1, 0, 1), b.narrow(1, 0, 1)), fid.Frechet, 12);
        Assert.True(plain.Frechet > 10 * fid.Frechet);
    }

    private sealed class FirstCoordinate : IFeatureExtractor
    {
        public Tensor Features(Tensor x) => x.narrow(1, 0, 1);
    }
}
