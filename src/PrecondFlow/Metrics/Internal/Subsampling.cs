using TorchSharp;
using static TorchSharp.torch;
using PrecondFlow.Data.Internal;

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

    private static void Check(Tensor x, string name, long minimumCount, string metric) =>
        PointChecks.Points(x, name, metric, minimumCount);
}
