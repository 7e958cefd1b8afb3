using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

/// <summary>Sample moments in float64, for comparing samples with their exact distributions.</summary>
internal static class Moments
{
    /// <summary>(d) sample mean of (n, d) points.</summary>
    public static Tensor Mean(Tensor x) => x.to(ScalarType.Float64).mean([0]);

    /// <summary>(d, d) unbiased sample covariance of (n, d) points.</summary>
    public static Tensor Covariance(Tensor x)
    {
        var centred = x.to(ScalarType.Float64) - Mean(x);
        return centred.T.matmul(centred) / (x.shape[0] - 1);
    }

    /// <summary>Σ^(−1/2) of a symmetric positive definite (d, d) matrix, through its eigendecomposition.</summary>
    public static Tensor InverseSqrt(Tensor sigma)
    {
        var (values, vectors) = linalg.eigh(sigma.to(ScalarType.Float64));
        return vectors.matmul(diag(values.rsqrt())).matmul(vectors.T);
    }

    /// <summary>Largest absolute entry of a tensor, as a double.</summary>
    public static double MaxAbs(Tensor x) => x.abs().max().item<double>();
}
