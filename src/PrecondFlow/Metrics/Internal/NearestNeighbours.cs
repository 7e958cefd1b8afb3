using static TorchSharp.torch;

namespace PrecondFlow.Metrics.Internal;

/// <summary>
/// k-nearest-neighbour radii and ball membership in float64, computed in chunks of rows so that memory stays
/// O(chunk · n) instead of O(n²): about 2²² distances (32 MB) at a time, whatever the set sizes.
/// <para>
/// Each chunk's distances are made in one buffer and turned into ball indicators in place. Full-size temporaries
/// per chunk (the four of <see cref="PairwiseDistances.Squared"/>, or a bool mask counted as int64) made the C
/// allocator keep ever more freed memory: the resident size of a 20 000 × 20 000 pass grew by about 0.8 GB at each
/// repetition (measured 0.9, 1.5, 2.5 GB); with one buffer it stays near 0.25 GB.
/// </para>
/// </summary>
internal static class NearestNeighbours
{
    /// <summary>Distances held at once by one chunk.</summary>
    public const long ChunkValues = 1L << 22;

    /// <summary>Rows of a chunk when each row holds <paramref name="columns"/> distances.</summary>
    public static long RowsPerChunk(long columns) => Math.Max(1, ChunkValues / Math.Max(1, columns));

    /// <summary>
    /// The distance from every point to its k-th nearest neighbour within the set, the point itself excluded
    /// (a duplicate of it counts as a neighbour at distance 0).
    /// </summary>
    /// <param name="points">(n, d) float64 points, centred near the origin (see <see cref="PairwiseDistances.Squared"/>), n &gt; k.</param>
    /// <param name="k">Which neighbour, ≥ 1.</param>
    /// <returns>(n) float64 radii.</returns>
    public static Tensor KthNeighbourRadii(Tensor points, int k)
    {
        var n = points.shape[0];
        if (k < 1 || k >= n)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"The k-th neighbour needs 1 ≤ k < n = {n}; 3 is the usual choice.");
        using var scope = NewDisposeScope();
        var radii = empty(n, dtype: ScalarType.Float64, device: points.device);
        var rows = RowsPerChunk(n);
        for (long start = 0; start < n; start += rows)
        {
            using var step = NewDisposeScope();
            var length = Math.Min(rows, n - start);
            var squared = SquaredDistances(points.narrow(0, start, length), points);
            // Each row holds the point itself: exactly 0, so that it is always one of the k + 1 smallest.
            squared.narrow(1, start, length).diagonal().zero_();
            var kth = squared.topk(k + 1, dim: 1, largest: false, sorted: true).values.select(1, k);
            radii.narrow(0, start, length).copy_(kth.sqrt());
        }
        return radii.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Which queries lie in at least one ball B(centreᵢ, radiusᵢ) (closed: distance ≤ radius), and how many
    /// queries each ball holds.
    /// </summary>
    /// <param name="queries">(q, d) float64 points.</param>
    /// <param name="centres">(c, d) float64 ball centres, in the same coordinates as the queries.</param>
    /// <param name="radii">(c) float64 radii.</param>
    /// <returns>Inside: (q) bool; PerBall: (c) int64 counts.</returns>
    public static (Tensor Inside, Tensor PerBall) BallMembership(Tensor queries, Tensor centres, Tensor radii)
    {
        using var scope = NewDisposeScope();
        long q = queries.shape[0], c = centres.shape[0];
        var inside = empty(q, dtype: ScalarType.Bool, device: queries.device);
        var perBall = zeros(c, dtype: ScalarType.Float64, device: queries.device);
        var squaredRadii = radii.square().unsqueeze(0);
        var rows = RowsPerChunk(c);
        for (long start = 0; start < q; start += rows)
        {
            using var step = NewDisposeScope();
            var length = Math.Min(rows, q - start);
            // 1 where d² ≤ r², else 0, in the distance buffer itself: sign(r² − d²) + 1, capped at 1. A bool mask reduced to
            // counts would convert a full int64 copy per chunk (see above).
            var within = SquaredDistances(queries.narrow(0, start, length), centres).neg_().add_(squaredRadii).sign_().add_(1).clamp_max_(1);
            inside.narrow(0, start, length).copy_(within.amax([1]) > 0);
            perBall.add_(within.sum(dim: 0));
        }
        return (inside.MoveToOuterDisposeScope(), perBall.to_type(ScalarType.Int64).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// ‖xᵢ − yⱼ‖² = ‖xᵢ‖² + ‖yⱼ‖² − 2xᵢ·yⱼ in one (n, m) float64 buffer, clamped at zero against round-off; the
    /// points should be centred near the origin so that the expansion loses little to cancellation.
    /// </summary>
    private static Tensor SquaredDistances(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var xx = x.square().sum(1, keepdim: true);
        var yy = y.square().sum(1, keepdim: true).T;
        return x.matmul(y.T).mul_(-2).add_(xx).add_(yy).clamp_min_(0).MoveToOuterDisposeScope();
    }
}
