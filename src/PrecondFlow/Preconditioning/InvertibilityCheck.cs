using PrecondFlow.Data;
using PrecondFlow.Data.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// Measures how well a preconditioner's inverse undoes its forward map on a sample: the per-point error
/// ‖P⁻¹(P(xᵢ)) − xᵢ‖ / r, where r = √(mean ‖xᵢ‖²) is the sample's root-mean-square norm. Dividing by the sample's
/// scale rather than each ‖xᵢ‖ keeps points near the origin from inflating the error.
/// </summary>
public static class InvertibilityCheck
{
    /// <summary>Default threshold in float32: a map with a larger round-trip error is reported as failed.</summary>
    public const double Float32Threshold = 1e-3;

    /// <summary>Default threshold in float64, where exact maps round-trip to about 1e-14.</summary>
    public const double Float64Threshold = 1e-8;

    /// <summary>The default threshold for a round trip computed in <paramref name="dtype"/>.</summary>
    public static double DefaultThreshold(ScalarType dtype) =>
        dtype == ScalarType.Float64 ? Float64Threshold : Float32Threshold;

    /// <summary>Runs the round trip on <paramref name="sample"/>'s points (and labels) in their own dtype.</summary>
    public static InvertibilityReport Run(IPreconditioner p, PointCloud sample, double? threshold = null) =>
        Run(p, sample.Points, sample.Labels, threshold);

    /// <summary>Runs the round trip P⁻¹(P(x)) on <paramref name="x"/> without recording gradients.</summary>
    /// <param name="p">The map to check.</param>
    /// <param name="x">(n, Dim) float32 or float64 points; the round trip runs in this dtype.</param>
    /// <param name="labels">(n) int64 labels for a conditional map.</param>
    /// <param name="threshold">Largest accepted error; by default <see cref="DefaultThreshold"/> of x's dtype.</param>
    public static InvertibilityReport Run(IPreconditioner p, Tensor x, Tensor? labels = null, double? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        PointChecks.Points(x, nameof(x), "Invertibility check", dim: p.Dim);
        var limit = threshold ?? DefaultThreshold(x.dtype);
        if (!(limit > 0))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be positive.");

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var xs = x.detach();
        var (z, _) = p.Forward(xs, labels);
        var back = p.Inverse(z, labels);
        var scale = xs.to(ScalarType.Float64).square().sum(1).mean().sqrt().item<double>();
        if (scale == 0)
            scale = 1;   // an all-zero sample: absolute and relative errors coincide
        var errors = (back.to(ScalarType.Float64) - xs.to(ScalarType.Float64)).norm(dim: 1) / scale;
        var finite = errors.isfinite().all().item<bool>();
        var max = finite ? errors.max().item<double>() : double.NaN;
        var mean = finite ? errors.mean().item<double>() : double.NaN;
        return new InvertibilityReport(max, mean, limit, x.shape[0], x.dtype.ToString());
    }
}
