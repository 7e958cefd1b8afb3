using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>All distribution metrics between two point sets in one call, and their JSON output.</summary>
public static class DistributionMetrics
{
    /// <summary>
    /// MMD², SW₁, SW₂, energy and Fréchet distances between <paramref name="a"/> and <paramref name="b"/>.
    /// MMD and energy use the same seeded subsample; both sliced distances use the same directions.
    /// </summary>
    /// <param name="a">(n, d) points, n ≥ 2.</param>
    /// <param name="b">(m, d) points, m ≥ 2.</param>
    /// <param name="seed">Seed of subsampling and projections.</param>
    /// <param name="options">Settings; defaults when null.</param>
    public static DistributionComparison Compare(Tensor a, Tensor b, long seed = 0, DistributionMetricsOptions? options = null)
    {
        options ??= new DistributionMetricsOptions();
        options.Validate();
        Internal.Subsampling.CheckPair(a, b, minimumCount: 2, "Distribution metrics");
        var mmd = MaximumMeanDiscrepancy.Compute(a, b, seed, options.MaxSamples, options.BandwidthFactors);
        var sw1 = SlicedWasserstein.Compute(a, b, order: 1, options.Projections, seed);
        var sw2 = SlicedWasserstein.Compute(a, b, order: 2, options.Projections, seed);
        var energy = EnergyDistance.Compute(a, b, seed, options.MaxSamples);
        var frechet = options.FeatureExtractor is { } extractor
            ? FrechetDistance.Compute(extractor, a, b)
            : FrechetDistance.Compute(a, b);
        return new DistributionComparison(mmd.Value, mmd.Bandwidths, sw1, sw2, energy, frechet,
            a.shape[0], b.shape[0], (int)a.shape[1], seed);
    }

    /// <summary>Writes one comparison as a JSON object (keys in <see cref="DistributionComparison"/>).</summary>
    public static void WriteJson(string path, DistributionComparison comparison) => Json.WriteFile(path, comparison);

    /// <summary>Writes named comparisons as one JSON object, e.g.
    /// <c>{"data_to_gaussian": {...}, "gaussian_to_data": {...}}</c> for the paper's Table 1.</summary>
    public static void WriteJson(string path, IReadOnlyDictionary<string, DistributionComparison> comparisons) =>
        Json.WriteFile(path, comparisons);
}
