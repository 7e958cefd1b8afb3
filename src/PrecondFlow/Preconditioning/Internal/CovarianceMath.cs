using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>The whitening factors of a covariance Σ = Q Λ Qᵀ, all float64.</summary>
/// <param name="Whitener">(d, d) symmetric inverse square root Σ^(−1/2) = Q Λ^(−1/2) Qᵀ.</param>
/// <param name="Colorer">(d, d) symmetric square root Σ^(1/2) = Q Λ^(1/2) Qᵀ, the whitener's inverse.</param>
/// <param name="LogAbsDet">log|det Σ^(−1/2)| = −½ Σᵢ log λᵢ.</param>
internal sealed record WhiteningFactors(Tensor Whitener, Tensor Colorer, double LogAbsDet);

/// <summary>Covariance estimates, shrinkage and symmetric square roots, in float64 (eigh).</summary>
internal static class CovarianceMath
{
    /// <summary>A covariance whose eigenvalues span more than this ratio counts as singular: its inverse square root
    /// would amplify float64 rounding (1e-16) by more than 1e6.</summary>
    public const double SingularRatio = 1e-12;

    /// <summary>Unbiased covariance Σ = cᵀc / (n − 1) of centred rows.</summary>
    /// <param name="centred">(n, d) float64 rows with their mean removed; n ≥ 2.</param>
    public static Tensor Unbiased(Tensor centred) => centred.T.mm(centred) / (centred.shape[0] - 1);

    /// <summary>Shrinkage towards a multiple of the identity: Σ ← (1 − γ)Σ + γ·(tr Σ / d)·I (Ledoit–Wolf's target).</summary>
    public static Tensor Shrink(Tensor sigma, double gamma)
    {
        if (gamma == 0)
            return sigma.clone();
        var d = sigma.shape[0];
        var scale = sigma.trace() / d;
        return (1 - gamma) * sigma + gamma * scale * torch.eye(d, dtype: ScalarType.Float64, device: sigma.device);
    }

    /// <summary>Eigen-decomposes Σ (symmetrised first) and returns its whitening factors, or null when it is
    /// singular (smallest eigenvalue ≤ <see cref="SingularRatio"/> × largest, or non-finite).</summary>
    /// <param name="sigma">(d, d) float64 covariance.</param>
    /// <param name="minEigenvalue">Smallest eigenvalue found.</param>
    /// <param name="maxEigenvalue">Largest eigenvalue found.</param>
    public static WhiteningFactors? TryFactor(Tensor sigma, out double minEigenvalue, out double maxEigenvalue)
    {
        var symmetric = 0.5 * (sigma + sigma.T);
        var (lambda, q) = torch.linalg.eigh(symmetric);
        minEigenvalue = lambda.min().item<double>();
        maxEigenvalue = lambda.max().item<double>();
        if (!double.IsFinite(minEigenvalue) || !double.IsFinite(maxEigenvalue)
            || maxEigenvalue <= 0 || minEigenvalue <= SingularRatio * maxEigenvalue)
            return null;
        var whitener = (q * lambda.rsqrt().unsqueeze(0)).mm(q.T);
        var colorer = (q * lambda.sqrt().unsqueeze(0)).mm(q.T);
        var logAbsDet = -0.5 * lambda.log().sum().item<double>();
        return new WhiteningFactors(whitener, colorer, logAbsDet);
    }

    /// <summary>Whether every entry of <paramref name="x"/> is finite.</summary>
    public static bool AllFinite(Tensor x)
    {
        using var finite = x.isfinite();
        using var all = finite.all();
        return all.item<bool>();
    }
}
