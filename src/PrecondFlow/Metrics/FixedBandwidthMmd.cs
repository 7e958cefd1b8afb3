namespace PrecondFlow.Metrics;

/// <summary>Unbiased MMD² at caller-chosen bandwidths (see <see cref="MaximumMeanDiscrepancy.AtBandwidths"/>).</summary>
/// <param name="Bandwidths">The Gaussian kernel bandwidths h, in the units of the data.</param>
/// <param name="Values">MMD² with the single kernel of each bandwidth, in the same order.</param>
/// <param name="CountA">Points of the first set used (after subsampling).</param>
/// <param name="CountB">Points of the second set used (after subsampling).</param>
public sealed record FixedBandwidthMmd(IReadOnlyList<double> Bandwidths, IReadOnlyList<double> Values, long CountA, long CountB)
{
    /// <summary>MMD² with the sum of the kernels (MMD² is linear in the kernel, so the sum of <see cref="Values"/>).</summary>
    public double Sum => Values.Sum();
}
