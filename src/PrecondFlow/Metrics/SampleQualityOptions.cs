namespace PrecondFlow.Metrics;

/// <summary>Settings of <see cref="SampleQualityMetrics.Evaluate"/>; the k of precision and recall belongs to the
/// <see cref="ReferenceSet"/>, whose radii depend on it.</summary>
public sealed record SampleQualityOptions
{
    /// <summary>Settings of the distances (MMD, sliced Wasserstein, energy, Fréchet), in data units and whitened alike.</summary>
    public DistributionMetricsOptions Distances { get; init; } = new();

    /// <summary>Fixed MMD bandwidths in data units, chosen once per study so that values compare across runs; none
    /// by default (only the median heuristic is then reported).</summary>
    public IReadOnlyList<double> MmdBandwidths { get; init; } = [];

    /// <summary>Grid points per curve piece for the distance to a generating curve.</summary>
    public int CurveGridPoints { get; init; } = CurveDistance.DefaultGridPoints;

    /// <summary>Checks these settings and <see cref="Distances"/>.</summary>
    /// <exception cref="ArgumentNullException"><see cref="Distances"/> or <see cref="MmdBandwidths"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bandwidth that is not positive and finite, fewer than 3 curve grid
    /// points, or a range error of <see cref="DistributionMetricsOptions.Validate"/>.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Distances, nameof(Distances));
        Distances.Validate();
        ArgumentNullException.ThrowIfNull(MmdBandwidths, nameof(MmdBandwidths));
        if (MmdBandwidths.Any(h => !(h > 0) || double.IsInfinity(h)))
            throw new ArgumentOutOfRangeException(nameof(MmdBandwidths),
                $"MMD bandwidths must be positive and finite, in data units; got [{string.Join(", ", MmdBandwidths)}].");
        if (CurveGridPoints < 3)
            throw new ArgumentOutOfRangeException(nameof(CurveGridPoints), CurveGridPoints,
                $"Use at least 3 grid points per curve piece; {CurveDistance.DefaultGridPoints} is the default.");
    }
}
