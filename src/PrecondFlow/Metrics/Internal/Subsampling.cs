using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics.Internal;

/// <summary>Checks metric inputs and bounds the O(n²) statistics by a seeded random subset.</summary>
internal static class Subsampling
{
    /// <summary>
    /// The points as float64, or a uniformly random subset of <paramref name="maxSamples"/> of them
    /// (without replacement, drawn with <paramref name="generator"/>) when there are more.
    /// </summary>
    public static Tensor AtMost(Tensor points, int maxSamples, Generator generator)
    {
        using var scope = NewDisposeScope();
        var x = points.detach().to_type(ScalarType.Float64);
        if (x.shape[0] > maxSamples)
            x = x.index_select(0, randperm(x.shape[0], generator: generator).narrow(0, 0, maxSamples));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Throws unless a and b are (n, d) and (m, d) floating-point point sets with enough points.</summary>
    public static void CheckPair(Tensor a, Tensor b, long minimumCount, string metric)
    {
        Check(a, nameof(a), minimumCount, metric);
        Check(b, nameof(b), minimumCount, metric);
        if (a.shape[1] != b.shape[1])
            throw new ArgumentException(
                $"{metric}: the two point sets must have the same dimension; got {a.shape[1]} and {b.shape[1]}.", nameof(b));
    }

    public static void CheckMaxSamples(int maxSamples, long minimumCount)
    {
        if (maxSamples < minimumCount)
            throw new ArgumentOutOfRangeException(nameof(maxSamples), maxSamples,
                $"The subsample size must be at least {minimumCount}; 2000 is the default.");
    }

    private static void Check(Tensor x, string name, long minimumCount, string metric)
    {
        if (x.dim() != 2)
            throw new ArgumentException(
                $"{metric}: '{name}' must be an (n, d) matrix of points; got shape [{string.Join(", ", x.shape)}].", name);
        if (!x.is_floating_point())
            throw new ArgumentException($"{metric}: '{name}' must hold floating-point values; got {x.dtype}.", name);
        if (x.shape[0] < minimumCount)
            throw new ArgumentException(
                $"{metric}: '{name}' has {x.shape[0]} points; at least {minimumCount} are needed.", name);
    }
}
