using System.Text.Json.Serialization;

namespace PrecondFlow.Metrics;

/// <summary>
/// Every distribution metric between two point sets, as written to JSON:
/// <c>{"mmd", "mmd_bandwidths", "sliced_wasserstein", "sliced_wasserstein_1", "sliced_wasserstein_2",
/// "energy", "frechet", "count_a", "count_b", "dim", "seed"}</c>.
/// </summary>
/// <param name="Mmd">Unbiased MMD² with a sum of Gaussian kernels (<see cref="MaximumMeanDiscrepancy"/>).</param>
/// <param name="MmdBandwidths">The kernel bandwidths used.</param>
/// <param name="SlicedWasserstein1">SW₁ (<see cref="SlicedWasserstein"/>).</param>
/// <param name="SlicedWasserstein2">SW₂, also written as "sliced_wasserstein".</param>
/// <param name="Energy">Energy distance, V-statistic (<see cref="EnergyDistance"/>).</param>
/// <param name="Frechet">Fréchet distance of fitted Gaussians, on features when an extractor was given.</param>
/// <param name="CountA">Points in the first set.</param>
/// <param name="CountB">Points in the second set.</param>
/// <param name="Dim">Dimension of the points.</param>
/// <param name="Seed">The seed of the random parts (subsampling, projections).</param>
public sealed record DistributionComparison(
    double Mmd,
    IReadOnlyList<double> MmdBandwidths,
    [property: JsonPropertyName("sliced_wasserstein_1")] double SlicedWasserstein1,
    [property: JsonPropertyName("sliced_wasserstein_2")] double SlicedWasserstein2,
    double Energy,
    double Frechet,
    long CountA,
    long CountB,
    int Dim,
    long Seed)
{
    /// <summary>The headline sliced distance: SW₂.</summary>
    [JsonPropertyName("sliced_wasserstein")]
    public double SlicedWasserstein => SlicedWasserstein2;
}
