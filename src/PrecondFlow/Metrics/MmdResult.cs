namespace PrecondFlow.Metrics;

/// <summary>The unbiased MMD² estimate and the kernel it was measured with.</summary>
/// <param name="Value">Unbiased MMD² (can be slightly negative when the two distributions agree).</param>
/// <param name="Bandwidths">The Gaussian kernel bandwidths h (standard deviations) summed in the kernel.</param>
/// <param name="MedianDistance">The median pairwise distance of the pooled (subsampled) points.</param>
/// <param name="CountA">Points of the first set used (after subsampling).</param>
/// <param name="CountB">Points of the second set used (after subsampling).</param>
public sealed record MmdResult(double Value, IReadOnlyList<double> Bandwidths, double MedianDistance, long CountA, long CountB);
