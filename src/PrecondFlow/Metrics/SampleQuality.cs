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
    /// <summary>"mmd": unbiased MMD², median-heuristic bandwidths, data units (<see cref="DistributionComparison.Mmd"/>).</summary>
    public double Mmd => Distances.Mmd;

    /// <summary>"mmd_bandwidths": the kernel bandwidths of <see cref="Mmd"/>, data units.</summary>
    public IReadOnlyList<double> MmdBandwidths => Distances.MmdBandwidths;

    /// <summary>"sliced_wasserstein": SW₂, the headline sliced distance, data units.</summary>
    [JsonPropertyName("sliced_wasserstein")]
    public double SlicedWasserstein => Distances.SlicedWasserstein;

    /// <summary>"sliced_wasserstein_1": SW₁, data units.</summary>
    [JsonPropertyName("sliced_wasserstein_1")]
    public double SlicedWasserstein1 => Distances.SlicedWasserstein1;

    /// <summary>"sliced_wasserstein_2": SW₂, data units.</summary>
    [JsonPropertyName("sliced_wasserstein_2")]
    public double SlicedWasserstein2 => Distances.SlicedWasserstein2;

    /// <summary>"energy": energy distance (V-statistic), data units.</summary>
    public double Energy => Distances.Energy;

    /// <summary>"frechet": Fréchet distance of the fitted Gaussians (of features when an extractor was given).</summary>
    public double Frechet => Distances.Frechet;

    /// <summary>Generated points.</summary>
    public long CountA => Distances.CountA;

    /// <summary>Reference points.</summary>
    public long CountB => Distances.CountB;

    /// <summary>"dim": dimension of the points.</summary>
    public int Dim => Distances.Dim;

    /// <summary>"seed": the seed of the random parts (subsampling, projections).</summary>
    public long Seed => Distances.Seed;

    /// <summary>"mmd_fixed": MMD² at each of <see cref="MmdFixedBandwidths"/>, data units; null (not written) when none were given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? MmdFixed => FixedMmd?.Values;

    /// <summary>"mmd_fixed_bandwidths": the caller's fixed bandwidths; null (not written) when none were given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? MmdFixedBandwidths => FixedMmd?.Bandwidths;

    /// <summary>"precision": share of samples inside a reference k-NN ball (fidelity), in [0, 1].</summary>
    public double Precision => Neighbours.Precision;

    /// <summary>"recall": share of reference points inside a sample k-NN ball (diversity), in [0, 1].</summary>
    public double Recall => Neighbours.Recall;

    /// <summary>"density": reference balls per sample, averaged and divided by k; about 1 for one law.</summary>
    public double Density => Neighbours.Density;

    /// <summary>"coverage": share of reference balls holding at least one sample, in [0, 1].</summary>
    public double Coverage => Neighbours.Coverage;

    /// <summary>"knn_k": the k of the neighbour balls.</summary>
    public int KnnK => Neighbours.K;

    /// <summary>"spectrum_min_ratio": λ_min(Σ_samples) / λ_min(Σ_ref), 1 when the thinnest direction is recovered.</summary>
    public double SpectrumMinRatio => Spectrum.MinRatio;

    /// <summary>"spectrum_max_ratio": λ_max(Σ_samples) / λ_max(Σ_ref).</summary>
    public double SpectrumMaxRatio => Spectrum.MaxRatio;

    /// <summary>"spectrum_generalized_min": smallest eigenvalue of Σ_ref^(−½) Σ_samples Σ_ref^(−½); null when Σ_ref is singular.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SpectrumGeneralizedMin => Spectrum.GeneralizedMin;

    /// <summary>"spectrum_generalized_max": largest eigenvalue of Σ_ref^(−½) Σ_samples Σ_ref^(−½); null when Σ_ref is singular.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SpectrumGeneralizedMax => Spectrum.GeneralizedMax;

    /// <summary>"spectrum_per_class": the spectrum ratios per class label; null when either set is unlabelled.</summary>
    [JsonPropertyName("spectrum_per_class"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<long, SpectrumRatios>? SpectrumByClass => SpectrumPerClass;

    /// <summary>"whitened_mmd": <see cref="Mmd"/> in the reference's whitened coordinates; null when Σ_ref is singular.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedMmd => Whitened?.Mmd;

    /// <summary>"whitened_sliced_wasserstein": SW₂ in whitened coordinates; null when Σ_ref is singular.</summary>
    [JsonPropertyName("whitened_sliced_wasserstein"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedSlicedWasserstein => Whitened?.SlicedWasserstein;

    /// <summary>"whitened_sliced_wasserstein_1": SW₁ in whitened coordinates; null when Σ_ref is singular.</summary>
    [JsonPropertyName("whitened_sliced_wasserstein_1"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedSlicedWasserstein1 => Whitened?.SlicedWasserstein1;

    /// <summary>"whitened_sliced_wasserstein_2": SW₂ in whitened coordinates; null when Σ_ref is singular.</summary>
    [JsonPropertyName("whitened_sliced_wasserstein_2"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedSlicedWasserstein2 => Whitened?.SlicedWasserstein2;

    /// <summary>"whitened_energy": energy distance in whitened coordinates; null when Σ_ref is singular.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedEnergy => Whitened?.Energy;

    /// <summary>"whitened_frechet": Fréchet distance in whitened coordinates; null when Σ_ref is singular.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WhitenedFrechet => Whitened?.Frechet;

    /// <summary>"curve_distance_mean": mean Euclidean distance of the samples to the generating curve; null when unknown.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CurveDistanceMean => Curve?.Mean;

    /// <summary>"curve_distance_p99": 99th percentile of those distances; null when the curve is unknown.</summary>
    [JsonPropertyName("curve_distance_p99"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CurveDistanceP99 => Curve?.Percentile99;

    /// <summary>"curve_share_beyond_3_sigma": share of samples farther than 3σ from the curve (about 0.003 for the data
    /// itself); null when the curve is unknown.</summary>
    [JsonPropertyName("curve_share_beyond_3_sigma"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CurveShareBeyondThreeSigma => Curve?.ShareBeyondThreeSigma;

    /// <summary>"curve_noise": σ, the data set's noise standard deviation; null when the curve is unknown.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CurveNoise => Curve?.Noise;
}
