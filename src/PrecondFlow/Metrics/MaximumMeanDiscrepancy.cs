using PrecondFlow.Metrics.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// Maximum mean discrepancy between two point sets (Gretton et al. 2012), the metric of the paper's
/// Figure 11, with a sum of Gaussian kernels
/// k(x, y) = Σ_h exp(−‖x − y‖²/(2h²)), h ∈ {factor × median pairwise distance of the pooled sample}.
/// <para>
/// The value is the unbiased U-statistic MMD²_u = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j)
/// − 2/(nm) Σ_{i,j} k(x_i, y_j): zero in expectation when both sets come from one distribution, so a
/// single estimate can be slightly negative. Several bandwidths around the median heuristic keep the
/// test sensitive at both small and large scales without tuning.
/// </para>
/// <para>
/// The statistic needs the three distance matrices, O((n + m)²) float64 memory: each set is first
/// reduced to at most <c>maxSamples</c> points drawn uniformly without replacement with the seed
/// (2000 points per set ≈ 100 MB of temporaries). Computations are in float64.
/// </para>
/// </summary>
public static class MaximumMeanDiscrepancy
{
    /// <summary>The default subsample size per set.</summary>
    public const int DefaultMaxSamples = 2000;

    /// <summary>The default bandwidth factors around the median heuristic: {¼, ½, 1, 2, 4}.</summary>
    public static IReadOnlyList<double> DefaultBandwidthFactors { get; } = new[] { 0.25, 0.5, 1, 2, 4 };

    /// <summary>Unbiased MMD² between two point sets.</summary>
    /// <param name="a">(n, d) points, n ≥ 2.</param>
    /// <param name="b">(m, d) points, m ≥ 2.</param>
    /// <param name="seed">Seed of the subsampling (unused when both sets are small enough).</param>
    /// <param name="maxSamples">At most this many points of each set are used.</param>
    /// <param name="bandwidthFactors">Multipliers of the median distance; <see cref="DefaultBandwidthFactors"/> when null.</param>
    public static MmdResult Compute(Tensor a, Tensor b, long seed = 0, int maxSamples = DefaultMaxSamples,
        IReadOnlyList<double>? bandwidthFactors = null)
    {
        Subsampling.CheckPair(a, b, minimumCount: 2, "MMD");
        Subsampling.CheckMaxSamples(maxSamples, minimumCount: 2);
        var factors = bandwidthFactors ?? DefaultBandwidthFactors;
        if (factors.Count == 0 || factors.Any(f => !(f > 0) || double.IsInfinity(f)))
            throw new ArgumentOutOfRangeException(nameof(bandwidthFactors),
                $"Bandwidth factors must be positive and finite (at least one); got [{string.Join(", ", factors)}].");

        using var scope = NewDisposeScope();
        var (x, y) = CentredSubsamples(a, b, seed, maxSamples);
        long n = x.shape[0], m = y.shape[0];

        var dxx = PairwiseDistances.SquaredWithin(x);
        var dyy = PairwiseDistances.SquaredWithin(y);
        var dxy = PairwiseDistances.Squared(x, y);

        var median = MedianPooledDistance(dxx, dyy, dxy);
        // Every point of a pooled sample coincides with more than half of the others only for degenerate
        // input; a unit scale then keeps the kernel defined (the MMD is 0 or driven by the few distinct pairs).
        var scale = median > 0 ? median : 1.0;
        var bandwidths = factors.Select(f => f * scale).ToArray();

        double sxx = 0, syy = 0, sxy = 0;
        foreach (var (kxx, kyy, kxy) in KernelSums(dxx, dyy, dxy, bandwidths))
        {
            sxx += kxx;
            syy += kyy;
            sxy += kxy;
        }
        var value = sxx / (n * (n - 1.0)) + syy / (m * (m - 1.0)) - 2 * sxy / ((double)n * m);
        return new MmdResult(value, bandwidths, median, n, m);
    }

    /// <summary>
    /// Unbiased MMD² with single Gaussian kernels of fixed bandwidths h (in the units of the data), one value per
    /// bandwidth: chosen once for a whole study, they put every curve on one scale, which the median heuristic of
    /// <see cref="Compute"/> does not (its bandwidths follow each pair of sets). Same subsample as <see cref="Compute"/>
    /// for the same seed.
    /// </summary>
    /// <param name="a">(n, d) points, n ≥ 2.</param>
    /// <param name="b">(m, d) points, m ≥ 2.</param>
    /// <param name="bandwidths">At least one bandwidth h &gt; 0: k(x, y) = exp(−‖x − y‖²/(2h²)).</param>
    /// <param name="seed">Seed of the subsampling (unused when both sets are small enough).</param>
    /// <param name="maxSamples">At most this many points of each set are used.</param>
    public static FixedBandwidthMmd AtBandwidths(Tensor a, Tensor b, IReadOnlyList<double> bandwidths, long seed = 0,
        int maxSamples = DefaultMaxSamples)
    {
        Subsampling.CheckPair(a, b, minimumCount: 2, "MMD");
        Subsampling.CheckMaxSamples(maxSamples, minimumCount: 2);
        ArgumentNullException.ThrowIfNull(bandwidths);
        if (bandwidths.Count == 0 || bandwidths.Any(h => !(h > 0) || double.IsInfinity(h)))
            throw new ArgumentOutOfRangeException(nameof(bandwidths),
                $"Bandwidths must be positive and finite (at least one), in the units of the data; got [{string.Join(", ", bandwidths)}].");

        using var scope = NewDisposeScope();
        var (x, y) = CentredSubsamples(a, b, seed, maxSamples);
        long n = x.shape[0], m = y.shape[0];
        var values = KernelSums(PairwiseDistances.SquaredWithin(x), PairwiseDistances.SquaredWithin(y),
                PairwiseDistances.Squared(x, y), bandwidths)
            .Select(s => s.Xx / (n * (n - 1.0)) + s.Yy / (m * (m - 1.0)) - 2 * s.Xy / ((double)n * m))
            .ToArray();
        return new FixedBandwidthMmd(bandwidths.ToArray(), values, n, m);
    }

    /// <summary>At most <paramref name="maxSamples"/> points of each set, drawn with one generator seeded by
    /// <paramref name="seed"/> (so both entry points see the same subsample), moved by their pooled mean.</summary>
    private static (Tensor X, Tensor Y) CentredSubsamples(Tensor a, Tensor b, long seed, int maxSamples)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        var x = Subsampling.AtMost(a, maxSamples, generator);
        var y = Subsampling.AtMost(b, maxSamples, generator);
        var centre = cat(new[] { x, y }, 0).mean(new long[] { 0 }, keepdim: true);
        return (x - centre, y - centre);
    }

    /// <summary>For each bandwidth, the kernel sums over distinct pairs within x, within y, and over all pairs across.</summary>
    private static (double Xx, double Yy, double Xy)[] KernelSums(Tensor dxx, Tensor dyy, Tensor dxy, IReadOnlyList<double> bandwidths)
    {
        long n = dxx.shape[0], m = dyy.shape[0];
        var sums = new (double Xx, double Yy, double Xy)[bandwidths.Count];
        for (var i = 0; i < sums.Length; i++)
        {
            using var perBandwidth = NewDisposeScope();
            var gamma = -1 / (2 * bandwidths[i] * bandwidths[i]);
            // The diagonals hold k(x, x) = 1 exactly (distance 0): subtract them for the U-statistic.
            sums[i] = ((dxx * gamma).exp_().sum().item<double>() - n,
                (dyy * gamma).exp_().sum().item<double>() - m,
                (dxy * gamma).exp_().sum().item<double>());
        }
        return sums;
    }

    /// <summary>The (lower) median of the distances between distinct points of the pooled sample.</summary>
    private static double MedianPooledDistance(Tensor dxx, Tensor dyy, Tensor dxy)
    {
        using var scope = NewDisposeScope();
        var upperX = ones(dxx.shape, dtype: ScalarType.Bool).triu(1);
        var upperY = ones(dyy.shape, dtype: ScalarType.Bool).triu(1);
        var pooled = cat(new[] { dxx.masked_select(upperX), dyy.masked_select(upperY), dxy.flatten() }, 0);
        return pooled.median().sqrt().item<double>();
    }
}
