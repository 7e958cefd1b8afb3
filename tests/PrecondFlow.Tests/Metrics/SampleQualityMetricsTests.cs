using System.Text.Json;
using PrecondFlow.Data.Toy;
using PrecondFlow.IO;
using PrecondFlow.Metrics;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class SampleQualityMetricsTests
{
    [Fact]
    public void ATooThickThinDirectionIsSeenInWhitenedCoordinatesAndBarelyInDataUnits()
    {
        using var scope = NewDisposeScope();
        var data = new ElongatedGaussian(kappa: 1e4, angleDegrees: 0);
        using var reference = ReferenceSet.Prepare(data.Sample(4000, seed: 1, ScalarType.Float64).Points);
        var fresh = data.Sample(4000, seed: 2, ScalarType.Float64).Points;
        // The failure: the thin direction (second axis) 13.3 times too wide in variance.
        var tooThick = fresh * tensor(new[] { 1, Math.Sqrt(13.3) }, ScalarType.Float64);
        var good = SampleQualityMetrics.Evaluate(reference, fresh, seed: 3);
        var bad = SampleQualityMetrics.Evaluate(reference, tooThick, seed: 3);

        // Ratio of two independent sample eigenvalues: relative std √(2/4000 + 2/4000) = 0.032; 4 of those.
        Assert.Equal(13.3, bad.SpectrumMinRatio, 13.3 * 0.13);
        Assert.Equal(1, good.SpectrumMinRatio, 0.13);
        // In data units the thin axis has std 0.01 against 1: SW₂ grows by a fraction of a standard deviation of the
        // wide axis. Whitened, the same error is a factor √13.3 in a unit direction.
        Assert.True(bad.SlicedWasserstein2 < 0.05, $"SW₂ in data units: {bad.SlicedWasserstein2:G3}");
        Assert.True(bad.WhitenedSlicedWasserstein2 > 1.0, $"whitened SW₂: {bad.WhitenedSlicedWasserstein2:G3}");
        Assert.True(bad.WhitenedSlicedWasserstein2 > 10 * good.WhitenedSlicedWasserstein2!.Value);
    }

    [Fact]
    public void TheSameSeedGivesTheSameMetrics()
    {
        using var scope = NewDisposeScope();
        var data = new TwoMoons();
        using var reference = ReferenceSet.Prepare(data.Sample(1500, seed: 4, ScalarType.Float64).Points, k: 5, curve: data);
        var samples = data.Sample(1000, seed: 5, ScalarType.Float64).Points;
        var options = new SampleQualityOptions { MmdBandwidths = [0.1, 0.5] };
        var first = Json.Serialize(SampleQualityMetrics.Evaluate(reference, samples, seed: 6, options: options));
        var again = Json.Serialize(SampleQualityMetrics.Evaluate(reference, samples, seed: 6, options: options));
        Assert.Equal(first, again);
    }

    [Fact]
    public void JsonIsOneFlatObjectWithTheStudyKeys()
    {
        using var scope = NewDisposeScope();
        var data = new SwissRoll();
        using var reference = ReferenceSet.Prepare(data.Sample(800, seed: 7, ScalarType.Float64).Points, curve: data);
        var quality = SampleQualityMetrics.Evaluate(reference, data.Sample(600, seed: 8, ScalarType.Float64).Points, seed: 9,
            options: new SampleQualityOptions { MmdBandwidths = [0.2] });
        using var document = JsonDocument.Parse(Json.Serialize(quality));
        var keys = document.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var key in new[]
        {
            "mmd", "mmd_bandwidths", "sliced_wasserstein", "sliced_wasserstein_1", "sliced_wasserstein_2", "energy", "frechet",
            "count_a", "count_b", "dim", "seed", "mmd_fixed", "mmd_fixed_bandwidths", "precision", "recall", "density",
            "coverage", "knn_k", "spectrum_min_ratio", "spectrum_max_ratio", "spectrum_generalized_min", "spectrum_generalized_max",
            "whitened_mmd", "whitened_sliced_wasserstein", "whitened_sliced_wasserstein_1", "whitened_sliced_wasserstein_2",
            "whitened_energy", "whitened_frechet", "curve_distance_mean", "curve_distance_p99", "curve_share_beyond_3_sigma", "curve_noise",
        })
            Assert.Contains(key, keys);
        Assert.Equal(600, document.RootElement.GetProperty("count_a").GetInt64());
        Assert.Equal(800, document.RootElement.GetProperty("count_b").GetInt64());
        // Unlabelled sets: no per-class spectra; nothing nested except lists.
        Assert.DoesNotContain("spectrum_per_class", keys);
        Assert.All(document.RootElement.EnumerateObject(), p => Assert.NotEqual(JsonValueKind.Object, p.Value.ValueKind));
    }

    [Fact]
    public void LabelledSetsGetSpectraPerClass()
    {
        using var scope = NewDisposeScope();
        var data = new EightGaussians();
        var cloud = data.Sample(2000, seed: 10, ScalarType.Float64);
        using var reference = ReferenceSet.Prepare(cloud.Points, cloud.Labels);
        var samples = data.Sample(1600, seed: 11, ScalarType.Float64);
        var quality = SampleQualityMetrics.Evaluate(reference, samples.Points, samples.Labels);
        Assert.Equal(8, quality.SpectrumPerClass!.Count);
        Assert.Contains("\"spectrum_per_class\"", Json.Serialize(quality));
    }
}
