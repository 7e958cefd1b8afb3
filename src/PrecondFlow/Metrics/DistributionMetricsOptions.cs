namespace PrecondFlow.Metrics;

/// <summary>Settings shared by the metrics of <see cref="DistributionMetrics.Compare"/>.</summary>
public sealed record DistributionMetricsOptions
{
    /// <summary>At most this many points per set for the O(n²) statistics (MMD, energy).</summary>
    public int MaxSamples { get; init; } = MaximumMeanDiscrepancy.DefaultMaxSamples;

    /// <summary>Random directions of the sliced Wasserstein distances.</summary>
    public int Projections { get; init; } = SlicedWasserstein.DefaultProjections;

    /// <summary>MMD bandwidths as multiples of the median pairwise distance.</summary>
    public IReadOnlyList<double> BandwidthFactors { get; init; } = MaximumMeanDiscrepancy.DefaultBandwidthFactors;

    /// <summary>When set, the Fréchet distance compares these features (an FID); otherwise the points themselves.</summary>
    public IFeatureExtractor? FeatureExtractor { get; init; }

    /// <summary>Checks the ranges of the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">MaxSamples &lt; 2, Projections &lt; 1, or no bandwidth factor, or one
    /// that is not positive and finite.</exception>
    public void Validate()
    {
        if (MaxSamples < 2)
            throw new ArgumentOutOfRangeException(nameof(MaxSamples), MaxSamples, "Use at least 2 samples per set; 2000 is the default.");
        if (Projections < 1)
            throw new ArgumentOutOfRangeException(nameof(Projections), Projections, "Use at least one projection; 256 is the default.");
        if (BandwidthFactors.Count == 0 || BandwidthFactors.Any(f => !(f > 0) || double.IsInfinity(f)))
            throw new ArgumentOutOfRangeException(nameof(BandwidthFactors),
                $"Bandwidth factors must be positive and finite (at least one); got [{string.Join(", ", BandwidthFactors)}].");
    }
}
