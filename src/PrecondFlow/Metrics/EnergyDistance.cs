using PrecondFlow.Metrics.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// Energy distance (Székely and Rizzo) between two point sets:
/// D = 2E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖.
/// <para>
/// Estimated as the V-statistic, every expectation a plain mean over all pairs (the within-set
/// diagonals of zeros included): D is then exactly the energy distance between the two empirical
/// measures, which is ≥ 0, zero for identical sets, symmetric, and in one dimension equals
/// 2∫(F_a − F_b)² dx of the empirical CDFs. (The unbiased U-statistic would drop the diagonals; it
/// differs by O(E‖X − X'‖/n) and can be negative.) The value is D itself, not its square root.
/// </para>
/// <para>
/// Like <see cref="MaximumMeanDiscrepancy"/>, it needs O((n + m)²) float64 memory: each set is reduced
/// to at most <c>maxSamples</c> points drawn uniformly without replacement with the seed.
/// </para>
/// </summary>
public static class EnergyDistance
{
    /// <summary>The default subsample size per set.</summary>
    public const int DefaultMaxSamples = MaximumMeanDiscrepancy.DefaultMaxSamples;

    /// <summary>Energy distance D (V-statistic) between two point sets.</summary>
    /// <param name="a">(n, d) points.</param>
    /// <param name="b">(m, d) points.</param>
    /// <param name="seed">Seed of the subsampling (unused when both sets are small enough).</param>
    /// <param name="maxSamples">At most this many points of each set are used.</param>
    public static double Compute(Tensor a, Tensor b, long seed = 0, int maxSamples = DefaultMaxSamples)
    {
        Subsampling.CheckPair(a, b, minimumCount: 1, "Energy distance");
        Subsampling.CheckMaxSamples(maxSamples, minimumCount: 1);
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed));
        var x = Subsampling.AtMost(a, maxSamples, generator);
        var y = Subsampling.AtMost(b, maxSamples, generator);
        var xy = Distances(x, y).mean().item<double>();
        var xx = Distances(x, x).mean().item<double>();
        var yy = Distances(y, y).mean().item<double>();
        return 2 * xy - xx - yy;
    }

    /// <summary>
    /// ‖x_i − y_j‖ from coordinate differences, not from the expansion ‖x‖² + ‖y‖² − 2x·y: the square root
    /// would turn that expansion's round-off at coinciding points (~1e-16) into spurious distances of ~1e-8.
    /// </summary>
    private static Tensor Distances(Tensor x, Tensor y) =>
        cdist(x, y, p: 2, compute_mode: compute_mode.donot_use_mm_for_euclid_dist);
}
