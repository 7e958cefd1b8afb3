using static TorchSharp.torch;

namespace PrecondFlow.Metrics.Internal;

/// <summary>Squared Euclidean distance matrices in float64 for the kernel and energy statistics.</summary>
internal static class PairwiseDistances
{
    /// <summary>
    /// ‖x_i − y_j‖² for (n, d) and (m, d) float64 points, as ‖x‖² + ‖y‖² − 2x·y. The caller centres the
    /// points first (on the pooled mean), which keeps the cancellation in this expansion small; the
    /// result is clamped at zero against round-off.
    /// </summary>
    /// <returns>(n, m) float64.</returns>
    public static Tensor Squared(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var xx = x.square().sum(1, keepdim: true);
        var yy = y.square().sum(1, keepdim: true).T;
        var d = (xx + yy - 2 * x.matmul(y.T)).clamp_min_(0);
        return d.MoveToOuterDisposeScope();
    }

    /// <summary>‖x_i − x_j‖² with an exactly zero diagonal.</summary>
    /// <returns>(n, n) float64.</returns>
    public static Tensor SquaredWithin(Tensor x)
    {
        var d = Squared(x, x);
        d.diagonal().zero_();
        return d;
    }
}
