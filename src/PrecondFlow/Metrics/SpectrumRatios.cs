namespace PrecondFlow.Metrics;

/// <summary>How well the samples' covariance recovers the reference's spectrum (see <see cref="SpectrumRecovery"/>).</summary>
/// <param name="MinRatio">λ_min(Σ_samples) / λ_min(Σ_ref): the thinnest direction's variance, 1 when recovered.</param>
/// <param name="MaxRatio">λ_max(Σ_samples) / λ_max(Σ_ref): the widest direction's variance.</param>
/// <param name="GeneralizedMin">Smallest eigenvalue of Σ_ref^(−½) Σ_samples Σ_ref^(−½); null when Σ_ref is singular.</param>
/// <param name="GeneralizedMax">Largest eigenvalue of Σ_ref^(−½) Σ_samples Σ_ref^(−½); null when Σ_ref is singular.</param>
public sealed record SpectrumRatios(double MinRatio, double MaxRatio, double? GeneralizedMin, double? GeneralizedMax);
