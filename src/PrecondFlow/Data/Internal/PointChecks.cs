using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Data.Internal;

/// <summary>
/// The one check of "(n, d) floating-point points, optionally with one integer label per point", used by the
/// metrics, the diagnostics, the preconditioners, the solvers and the point-cloud writers, so that every entry
/// point rejects a bad tensor with the same message: it names the input, quotes its shape or dtype and says what
/// would work.
/// </summary>
internal static class PointChecks
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="points"/> is an (n, d) float32 or float64
    /// tensor with n ≥ <paramref name="minimumCount"/>, d ≥ 1, and d = <paramref name="dim"/> when given.
    /// </summary>
    /// <param name="points">The tensor to check.</param>
    /// <param name="name">The parameter's name: quoted in the message and set as <see cref="ArgumentException.ParamName"/>.</param>
    /// <param name="owner">What is checking ("Fréchet distance", "Affine whitening"); prefixes the message when given.</param>
    /// <param name="minimumCount">Fewest points accepted (2 for a covariance).</param>
    /// <param name="dim">The required number of columns, or null for any d ≥ 1.</param>
    public static void Points(Tensor points, string name, string? owner = null, long minimumCount = 1, long? dim = null)
    {
        ArgumentNullException.ThrowIfNull(points, name);
        var prefix = owner is null ? "" : owner + ": ";
        if (points.dim() != 2 || points.shape[1] < 1 || (dim is { } d && points.shape[1] != d))
            throw new ArgumentException(
                $"{prefix}'{name}' must be an (n, {dim?.ToString() ?? "d"}) matrix of points, one point per row; " +
                $"got shape {Shape(points)}.", name);
        if (points.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException(
                $"{prefix}'{name}' must hold float32 or float64 values; got {points.dtype}. Convert with .to(ScalarType.Float32).",
                name);
        if (points.shape[0] < minimumCount)
            throw new ArgumentException(
                $"{prefix}'{name}' has {points.shape[0]} points; at least {minimumCount} are needed.", name);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="labels"/> is an integer (n) tensor with one
    /// label per row of <paramref name="points"/>. Their values are not checked: the caller knows the classes.
    /// </summary>
    /// <param name="points">(n, d) points the labels belong to.</param>
    /// <param name="labels">The tensor to check.</param>
    /// <param name="owner">What is checking; prefixes the message when given.</param>
    /// <param name="name">The parameter's name.</param>
    public static void Labels(Tensor points, Tensor labels, string? owner = null, string name = "labels")
    {
        ArgumentNullException.ThrowIfNull(labels, name);
        var prefix = owner is null ? "" : owner + ": ";
        var n = points.shape[0];
        if (labels.dim() != 1 || labels.shape[0] != n)
            throw new ArgumentException(
                $"{prefix}{labels.numel()} labels for {n} points (labels of shape {Shape(labels)}); " +
                $"pass one label per point, a ({n}) int64 tensor.", name);
        if (labels.is_floating_point() || labels.is_complex() || labels.dtype == ScalarType.Bool)
            throw new ArgumentException($"{prefix}labels must be integers (int64 class indices); got {labels.dtype}.", name);
    }

    /// <summary>Whether every entry of <paramref name="x"/> is finite (no NaN, no ±∞).</summary>
    public static bool AllFinite(Tensor x)
    {
        using var finite = x.isfinite();
        using var all = finite.all();
        return all.item<bool>();
    }

    private static string Shape(Tensor x) => "[" + string.Join(", ", x.shape) + "]";
}
