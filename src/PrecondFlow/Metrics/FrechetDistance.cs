using PrecondFlow.LinearAlgebra;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// Fréchet distance between Gaussians fitted to two feature sets (the 2-Wasserstein distance squared
/// between N(μ₁, Σ₁) and N(μ₂, Σ₂); FID when the features come from a fixed network):
/// ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁^½ Σ₂ Σ₁^½)^½).
/// <para>
/// In float64 with the matrix square roots by symmetric eigendecomposition (no iterative sqrtm, no
/// complex parts): tr((Σ₁^½ Σ₂ Σ₁^½)^½) = Σ √μ_i over the eigenvalues μ_i of the symmetric matrix
/// Σ₁^½ Σ₂ Σ₁^½. Eigenvalues of these positive semi-definite matrices that round-off pushes below
/// zero are clamped to zero. The result is not clamped: for identical sets it is 0 up to round-off
/// (of the order of 10⁻¹⁴·tr Σ), of either sign. Covariances are unbiased (divided by n − 1).
/// </para>
/// </summary>
public static class FrechetDistance
{
    /// <summary>The default batch size for feature extraction.</summary>
    public const int DefaultBatchSize = 1000;

    /// <summary>Fréchet distance between Gaussians fitted to two feature sets.</summary>
    /// <param name="featuresA">(n, k) features, n ≥ 2.</param>
    /// <param name="featuresB">(m, k) features, m ≥ 2.</param>
    public static double Compute(Tensor featuresA, Tensor featuresB)
    {
        Internal.Subsampling.CheckPair(featuresA, featuresB, minimumCount: 2, "Fréchet distance");
        using var scope = NewDisposeScope();
        var a = featuresA.detach().to_type(ScalarType.Float64);
        var b = featuresB.detach().to_type(ScalarType.Float64);
        return FromMoments(a.mean(new long[] { 0 }), SampleCovariance.Of(a),
            b.mean(new long[] { 0 }), SampleCovariance.Of(b));
    }

    /// <summary>FID-style distance on the features of any network: extracts features of both sets in batches
    /// under no_grad, then compares them with <see cref="Compute(Tensor, Tensor)"/>.</summary>
    /// <param name="extractor">The feature network.</param>
    /// <param name="a">(n, ...) inputs of the first set.</param>
    /// <param name="b">(m, ...) inputs of the second set.</param>
    /// <param name="batchSize">Inputs per call of the extractor.</param>
    public static double Compute(IFeatureExtractor extractor, Tensor a, Tensor b, int batchSize = DefaultBatchSize)
    {
        using var scope = NewDisposeScope();
        return Compute(ExtractFeatures(extractor, a, batchSize), ExtractFeatures(extractor, b, batchSize));
    }

    /// <summary>The Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂) given their moments.</summary>
    /// <param name="meanA">(k) μ₁.</param>
    /// <param name="covarianceA">(k, k) Σ₁, symmetric positive semi-definite.</param>
    /// <param name="meanB">(k) μ₂.</param>
    /// <param name="covarianceB">(k, k) Σ₂, symmetric positive semi-definite.</param>
    public static double FromMoments(Tensor meanA, Tensor covarianceA, Tensor meanB, Tensor covarianceB)
    {
        SymmetricMatrices.CheckSquare(covarianceA, nameof(covarianceA));
        SymmetricMatrices.CheckSquare(covarianceB, nameof(covarianceB));
        var k = covarianceA.shape[0];
        if (covarianceB.shape[0] != k || meanA.numel() != k || meanB.numel() != k)
            throw new ArgumentException(
                $"Means and covariances must share one dimension; got means of {meanA.numel()} and {meanB.numel()} values, " +
                $"covariances {k}×{k} and {covarianceB.shape[0]}×{covarianceB.shape[1]}.", nameof(covarianceB));
        using var scope = NewDisposeScope();
        var s1 = covarianceA.to_type(ScalarType.Float64);
        var s2 = covarianceB.to_type(ScalarType.Float64);
        var meanTerm = (meanA.to_type(ScalarType.Float64).flatten() - meanB.to_type(ScalarType.Float64).flatten()).square().sum().item<double>();
        var root = SymmetricMatrices.Sqrt(s1);
        var cross = SymmetricMatrices.Eigenvalues(root.matmul(s2).matmul(root)).clamp_min(0).sqrt().sum().item<double>();
        return meanTerm + s1.trace().item<double>() + s2.trace().item<double>() - 2 * cross;
    }

    /// <summary>Runs the extractor over <paramref name="x"/> in batches under no_grad.</summary>
    /// <returns>(n, k) float64 features.</returns>
    public static Tensor ExtractFeatures(IFeatureExtractor extractor, Tensor x, int batchSize = DefaultBatchSize)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Use a positive batch size; {DefaultBatchSize} is the default.");
        if (x.dim() < 1 || x.shape[0] < 1)
            throw new ArgumentException($"Nothing to extract features from: shape [{string.Join(", ", x.shape)}].", nameof(x));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parts = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += batchSize)
        {
            var features = extractor.Features(x.narrow(0, start, Math.Min(batchSize, x.shape[0] - start)));
            if (features.dim() != 2)
                throw new InvalidOperationException(
                    $"The feature extractor must return (n, k) features; it returned shape [{string.Join(", ", features.shape)}].");
            parts.Add(features.to_type(ScalarType.Float64));
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }
}
