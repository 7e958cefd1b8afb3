using PrecondFlow.Data.Internal;
using PrecondFlow.LinearAlgebra;
using PrecondFlow.Metrics.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// Whether generated samples recovered the reference's covariance spectrum, thin directions included: the
/// ratios of the extreme eigenvalues, λ_min(Σ_samples)/λ_min(Σ_ref) and λ_max(Σ_samples)/λ_max(Σ_ref), and
/// the extremes of the generalized eigenvalues of (Σ_samples, Σ_ref), i.e. the eigenvalues of
/// Σ_ref^(−½) Σ_samples Σ_ref^(−½). The latter are affine-invariant (unchanged when one invertible affine map
/// is applied to both sets) and all 1 exactly when the covariances agree; they compare every direction, also
/// directions that are not eigenvectors of Σ_ref.
/// <para>
/// Sampling error: for n Gaussian points, a sample eigenvalue with a well-separated population eigenvalue λ
/// has a relative standard deviation of about √(2/n) (Anderson 1963), so each ratio fluctuates by about
/// √(2/n_ref + 2/n_samples) around its true value. Covariances are unbiased, in float64 (<see cref="SampleCovariance"/>).
/// </para>
/// </summary>
public static class SpectrumRecovery
{
    /// <summary>Spectrum ratios of two point sets.</summary>
    /// <param name="reference">(n, d) reference points, n ≥ 2.</param>
    /// <param name="samples">(m, d) generated points, m ≥ 2.</param>
    public static SpectrumRatios Compute(Tensor reference, Tensor samples)
    {
        Subsampling.CheckPair(reference, samples, minimumCount: 2, "Spectrum recovery");
        using var scope = NewDisposeScope();
        return FromCovariances(SampleCovariance.Of(reference), SampleCovariance.Of(samples));
    }

    /// <summary>Spectrum ratios of two covariances.</summary>
    /// <param name="referenceCovariance">(d, d) Σ_ref, symmetric positive semi-definite.</param>
    /// <param name="sampleCovariance">(d, d) Σ_samples, symmetric positive semi-definite.</param>
    public static SpectrumRatios FromCovariances(Tensor referenceCovariance, Tensor sampleCovariance)
    {
        SymmetricMatrices.CheckSquare(referenceCovariance, nameof(referenceCovariance));
        SymmetricMatrices.CheckSquare(sampleCovariance, nameof(sampleCovariance));
        if (referenceCovariance.shape[0] != sampleCovariance.shape[0])
            throw new ArgumentException(
                $"Both covariances must be d×d for one d; got {referenceCovariance.shape[0]} and {sampleCovariance.shape[0]}.",
                nameof(sampleCovariance));
        using var scope = NewDisposeScope();
        var reference = SymmetricMatrices.Eigenvalues(referenceCovariance);
        var samples = SymmetricMatrices.Eigenvalues(sampleCovariance);
        var minRatio = samples.min().item<double>() / reference.min().item<double>();
        var maxRatio = samples.max().item<double>() / reference.max().item<double>();
        var factors = WhiteningFactors.TryCompute(referenceCovariance, out _, out _);
        if (factors is null)
            return new SpectrumRatios(minRatio, maxRatio, null, null);
        var generalized = SymmetricMatrices.Eigenvalues(
            factors.Whitener.matmul(sampleCovariance.to_type(ScalarType.Float64)).matmul(factors.Whitener));
        return new SpectrumRatios(minRatio, maxRatio, generalized.min().item<double>(), generalized.max().item<double>());
    }

    /// <summary>
    /// Spectrum ratios class by class, for the labels present in both sets with at least d + 1 reference points
    /// (so that Σ_ref can be positive definite) and 2 generated points; other classes are left out.
    /// </summary>
    /// <param name="reference">(n, d) reference points.</param>
    /// <param name="referenceLabels">(n) integer labels.</param>
    /// <param name="samples">(m, d) generated points.</param>
    /// <param name="sampleLabels">(m) integer labels.</param>
    /// <returns>Label → ratios, in ascending label order.</returns>
    public static IReadOnlyDictionary<long, SpectrumRatios> PerClass(Tensor reference, Tensor referenceLabels, Tensor samples, Tensor sampleLabels)
    {
        Subsampling.CheckPair(reference, samples, minimumCount: 1, "Spectrum recovery per class");
        PointChecks.Labels(reference, referenceLabels, "Spectrum recovery per class", nameof(referenceLabels));
        PointChecks.Labels(samples, sampleLabels, "Spectrum recovery per class", nameof(sampleLabels));
        using var scope = NewDisposeScope();
        var d = reference.shape[1];
        var refLabels = referenceLabels.to_type(ScalarType.Int64);
        var genLabels = sampleLabels.to_type(ScalarType.Int64);
        var result = new SortedDictionary<long, SpectrumRatios>();
        foreach (var label in refLabels.unique().output.data<long>().ToArray())
        {
            using var perClass = NewDisposeScope();
            var x = reference.index_select(0, (refLabels == label).nonzero().flatten());
            var y = samples.index_select(0, (genLabels == label).nonzero().flatten());
            if (x.shape[0] > d && y.shape[0] >= 2)
                result[label] = Compute(x, y);
        }
        return result;
    }
}
