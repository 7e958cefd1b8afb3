using System.Text.Json.Serialization;

namespace PrecondFlow.Metrics;

/// <summary>
/// Every metric of a generated set against a reference set (<see cref="SampleQualityMetrics.Evaluate"/>), written to
/// JSON as one flat object. Keys: those of <see cref="DistributionComparison"/> ("mmd", "mmd_bandwidths",
/// "sliced_wasserstein", "sliced_wasserstein_1", "sliced_wasserstein_2", "energy", "frechet", "count_a" = samples,
/// "count_b" = reference, "dim", "seed"); "mmd_fixed" and "mmd_fixed_bandwidths" when fixed bandwidths were given;
/// "precision", "recall", "density", "coverage", "knn_k"; "spectrum_min_ratio", "spectrum_max_ratio",
/// "spectrum_generalized_min", "spectrum_generalized_max", "spectrum_per_class" (labelled sets only);
/// "whitened_mmd", "whitened_sliced_wasserstein" (SW₂), "whitened_sliced_wasserstein_1",
/// "whitened_sliced_wasserstein_2", "whitened_energy", "whitened_frechet" (absent when Σ_ref is singular);
/// "curve_distance_mean", "curve_distance_p99", "curve_share_beyond_3_sigma", "curve_noise" (when the reference's
/// generating curve is known).
/// </summary>
/// <param name="Distances">Distances in data units (samples first, reference second).</param>
/// <param name="Whitened">The same distances in the reference's whitened coordinates (<see cref="WhitenedCoordinates"/>);
/// null when Σ_ref is singular.</param>
/// <param name="FixedMmd">MMD² at the caller's fixed bandwidths, in data units; null when none were given.</param>
/// <param name="Neighbours">Precision, recall, density and coverage.</param>
/// <param name="Spectrum">Spectrum ratios of the whole sets.</param>
/// <param name="SpectrumPerClass">Spectrum ratios per class when both sets are labelled; else null.</param>
/// <param name="Curve">Distances of the samples to the reference's generating curve; null when unknown.</param>
public sealed record SampleQuality(
    [property: JsonIgnore] DistributionComparison Distances,
    [property: JsonIgnore] DistributionComparison? Whitened,
    [property: JsonIgnore] FixedBandwidthMmd? FixedMmd,
    [property: JsonIgnore] PrecisionRecallResult Neighbours,
    [property: JsonIgnore] SpectrumRatios Spectrum,
    [property: JsonIgnore] IReadOnlyDictionary<long, SpectrumRatios>? SpectrumPerClass,
    [property: JsonIgnore] CurveDistanceSummary? Curve)
{
    public double Mmd => Distances.Mmd;

    public IReadOnlyList<double> MmdBandwidths => Distances.MmdBandwidths;

    [JsonPropertyName("sliced_wasserstein")]
    public double SlicedWasserstein => Distances.SlicedWasserstein;

    [JsonPropertyName("sliced_wasserstein_1")]
    public double SlicedWasserstein1 => Distances.SlicedWasserstein1;

    [JsonPropertyName("sliced_wasserstein_2")]
    public double SlicedWasserstein2 => Distances.SlicedWasserstein2;

    public double Energy => Distances.Energy;

    public double Frechet => Distances.Frechet;

    /// <summary>Generated points.</summary>
    public long CountA => Distances.CountA;

    /// <summary>Reference points.</summary>
    public long CountB => Distances.CountB;

    public int Dim => Distances.Dim;

    public long Seed => Distances.Seed;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? MmdFixed => FixedMmd?.Values;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? MmdFixedBandwidths => FixedMmd?.Bandwidths;

    public double Precision => Neighbours.Precision;

    public double Recall => Neighbours.Recall;

    public double Density => Neighbours.Density;

    public double Coverage => Neighbours.Coverage;

    public int KnnK => Neighbours.K;

    public double SpectrumMinRatio => Spectrum.MinRatio;

    public double SpectrumMaxRatio => Spectrum.MaxRatio;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SpectrumGeneralizedMin => Spectrum.GeneralizedMin;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SpectrumGeneralizedMax => Spectrum.GeneralizedMax;

    [JsonPropertyName("spectrum_per_class"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<long, SpectrumRatios>? SpectrumByClass => SpectrumPerClass;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedMmd => Whitened?.Mmd;

    [JsonPropertyName("whitened_sliced_wasserstein"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedSlicedWasserstein => Whitened?.SlicedWasserstein;

    [JsonPropertyName("whitened_sliced_wasserstein_1"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedSlicedWasserstein1 => Whitened?.SlicedWasserstein1;

    [JsonPropertyName("whitened_sliced_wasserstein_2"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedSlicedWasserstein2 => Whitened?.SlicedWasserstein2;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedEnergy => Whitened?.Energy;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedFrechet => Whitened?.Frechet;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CurveDistanceMean => Curve?.Mean;

    [JsonPropertyName("curve_distance_p99"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CurveDistanceP99 => Curve?.Percentile99;

    [JsonPropertyName("curve_share_beyond_3_sigma"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CurveShareBeyondThreeSigma => Curve?.ShareBeyondThreeSigma;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CurveNoise => Curve?.Noise;
}
