using PrecondFlow.Data.Internal;
using PrecondFlow.LinearAlgebra;
using PrecondFlow.Metrics.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// Compares a point set with the standard normal N(0, I): the "data → Gaussian" direction of the
/// paper's Table 1 (how close a preconditioner or an inverted flow brings the data to the base).
/// </summary>
public static class GaussianReference
{
    /// <summary>Fresh N(0, I) samples drawn with <paramref name="seed"/>.</summary>
    /// <returns>(count, dim) float64.</returns>
    public static Tensor Draw(long count, int dim, long seed)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Draw at least one reference point.");
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "The dimension must be at least 1.");
        using var generator = new Generator(unchecked((ulong)seed));
        return randn(count, dim, dtype: ScalarType.Float64, generator: generator);
    }

    /// <summary>
    /// Every metric of <see cref="DistributionMetrics.Compare"/> between <paramref name="points"/> and a
    /// fresh N(0, I) sample of <paramref name="referenceCount"/> points (as many as the set when null).
    /// The reference and the metrics' own randomness use two seeds derived from <paramref name="seed"/>.
    /// </summary>
    /// <param name="points">(n, d) points.</param>
    /// <param name="seed">Seed of the reference sample and of the metrics.</param>
    /// <param name="options">Metric settings; defaults when null.</param>
    /// <param name="referenceCount">Size of the reference sample.</param>
    public static DistributionComparison Compare(Tensor points, long seed = 0, DistributionMetricsOptions? options = null,
        long? referenceCount = null)
    {
        PointChecks.Points(points, nameof(points), "Gaussian reference", minimumCount: 2);
        using var scope = NewDisposeScope();
        var reference = Draw(referenceCount ?? points.shape[0], (int)points.shape[1], (long)SeedSequence.Derive(seed, 0));
        var metricSeed = (long)SeedSequence.Derive(seed, 1);
        return DistributionMetrics.Compare(points, reference, metricSeed, options) with { Seed = seed };
    }

    /// <summary>
    /// The Fréchet distance between the Gaussian fitted to <paramref name="points"/> and N(0, I) itself
    /// (no reference sample): ‖μ‖² + tr Σ + d − 2 tr Σ^½.
    /// </summary>
    /// <param name="points">(n, d) points, n ≥ 2.</param>
    public static double FrechetToStandardNormal(Tensor points)
    {
        PointChecks.Points(points, nameof(points), "Fréchet distance to N(0, I)", minimumCount: 2);
        using var scope = NewDisposeScope();
        var x = points.detach().to_type(ScalarType.Float64);
        var d = x.shape[1];
        return FrechetDistance.FromMoments(x.mean(new long[] { 0 }), SampleCovariance.Of(x),
            zeros(d, dtype: ScalarType.Float64), eye(d, dtype: ScalarType.Float64));
    }
}
