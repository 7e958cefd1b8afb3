using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.LinearAlgebra;

/// <summary>The whitening factors of a covariance Σ = Q Λ Qᵀ, from one eigendecomposition, all float64.</summary>
/// <param name="Whitener">(d, d) symmetric inverse square root Σ^(−½) = Q Λ^(−½) Qᵀ.</param>
/// <param name="Colorer">(d, d) symmetric square root Σ^(½) = Q Λ^(½) Qᵀ, the whitener's inverse.</param>
/// <param name="LogAbsDet">log|det Σ^(−½)| = −½ Σᵢ log λᵢ.</param>
internal sealed record WhiteningFactors(Tensor Whitener, Tensor Colorer, double LogAbsDet)
{
    /// <summary>A covariance whose eigenvalues span more than this ratio counts as singular: its inverse square root
    /// would amplify float64 rounding (1e-16) by more than 1e6.</summary>
    public const double SingularRatio = 1e-12;

    /// <summary>
    /// The whitening factors of Σ, or null when it is singular (smallest eigenvalue ≤ <see cref="SingularRatio"/> ×
    /// largest, or non-finite). The tensors belong to the caller's dispose scope.
    /// </summary>
    /// <param name="covariance">(d, d) symmetric covariance (symmetrised and converted to float64 first).</param>
    /// <param name="minEigenvalue">Smallest eigenvalue found.</param>
    /// <param name="maxEigenvalue">Largest eigenvalue found.</param>
    public static WhiteningFactors? TryCompute(Tensor covariance, out double minEigenvalue, out double maxEigenvalue)
    {
        var (lambda, q) = SymmetricMatrices.Decompose(covariance);
        minEigenvalue = lambda.min().item<double>();
        maxEigenvalue = lambda.max().item<double>();
        if (!double.IsFinite(minEigenvalue) || !double.IsFinite(maxEigenvalue)
            || maxEigenvalue <= 0 || minEigenvalue <= SingularRatio * maxEigenvalue)
            return null;
        return new WhiteningFactors(
            SymmetricMatrices.FromEigen(q, lambda.rsqrt()),
            SymmetricMatrices.FromEigen(q, lambda.sqrt()),
            -0.5 * lambda.log().sum().item<double>());
    }
}
