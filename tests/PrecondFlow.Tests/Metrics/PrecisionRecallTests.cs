using PrecondFlow.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class PrecisionRecallTests
{
    private static Tensor Gaussian(int n, int dim, ulong seed, double scale = 1)
    {
        using var generator = new Generator(seed);
        return scale * randn(n, dim, dtype: ScalarType.Float64, generator: generator);
    }

    /// <summary>Four clusters of std 1 at (±50, ±50): 70 standard deviations apart, so no k-NN ball reaches another cluster.</summary>
    private static (Tensor Points, Tensor Labels) FarClusters(int perCluster, ulong seed)
    {
        var centres = tensor(new double[] { -50, -50, -50, 50, 50, -50, 50, 50 }, [4, 2], ScalarType.Float64);
        var labels = arange(4, dtype: ScalarType.Int64).repeat_interleave(perCluster);
        return (centres.index_select(0, labels) + Gaussian(4 * perCluster, 2, seed), labels);
    }

    [Fact]
    public void IdenticalSetsHavePrecisionRecallAndCoverageOne()
    {
        using var scope = NewDisposeScope();
        var x = Gaussian(500, 3, 1);
        var result = PrecisionRecall.Compute(x, x.clone());
        // Every point is the centre of its own ball (distance 0 ≤ radius): exact, no tolerance.
        Assert.Equal((1.0, 1.0, 1.0), (result.Precision, result.Recall, result.Coverage));
    }

    [Fact]
    public void FarApartSetsHavePrecisionRecallDensityAndCoverageZero()
    {
        using var scope = NewDisposeScope();
        var reference = Gaussian(400, 2, 2);
        // 100 units away: the balls (3rd-neighbour radii of a few tenths) cannot reach the other set.
        var samples = Gaussian(300, 2, 3) + 100;
        var result = PrecisionRecall.Compute(reference, samples);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (result.Precision, result.Recall, result.Density, result.Coverage));
    }

    [Fact]
    public void HalfOfTheClustersHasPrecisionOneAndRecallEqualToTheShareItCovers()
    {
        using var scope = NewDisposeScope();
        var (reference, labels) = FarClusters(250, 4);
        // Generated = the reference's own points of clusters 0 and 1: all on the data (precision 1), half of it missed.
        var samples = reference.index_select(0, (labels < 2).nonzero().flatten());
        var result = PrecisionRecall.Compute(reference, samples, k: 3);
        Assert.Equal(1.0, result.Precision);
        // A reference point of clusters 0, 1 is a generated point (inside its own ball); one of clusters 2, 3 is 70σ
        // away from every generated ball: recall is exactly 500/1000, coverage likewise.
        Assert.Equal(0.5, result.Recall);
        Assert.Equal(0.5, result.Coverage);
    }

    [Fact]
    public void EveryNumberEqualsABruteForceCountAcrossChunks()
    {
        using var scope = NewDisposeScope();
        // 3000 reference points: distance chunks of 2²² values hold 1398 rows, so three chunks are stitched together.
        var reference = Gaussian(3000, 2, 5);
        var samples = Gaussian(2500, 2, 6, scale: 1.3);
        const int k = 4;
        var result = PrecisionRecall.Compute(reference, samples, k);

        var x = Rows(reference);
        var y = Rows(samples);
        var r = KthNeighbourRadii(x, k);
        var s = KthNeighbourRadii(y, k);
        int precise = 0, covered = 0, recalled = 0;
        long inBalls = 0;
        var coveredBall = new bool[x.Length];
        for (var j = 0; j < y.Length; j++)
        {
            var inside = false;
            for (var i = 0; i < x.Length; i++)
                if (Distance(y[j], x[i]) <= r[i]) { inside = true; inBalls++; coveredBall[i] = true; }
            if (inside) precise++;
        }
        for (var i = 0; i < x.Length; i++)
        {
            if (coveredBall[i]) covered++;
            if (Enumerable.Range(0, y.Length).Any(j => Distance(x[i], y[j]) <= s[j])) recalled++;
        }
        // The two sets are independent continuous samples, so no point lies within round-off (~1e-15) of a ball's
        // boundary: both computations take the same decisions and the shares agree to the last digit.
        Assert.Equal(precise / 2500.0, result.Precision, 12);
        Assert.Equal(recalled / 3000.0, result.Recall, 12);
        Assert.Equal(inBalls / (k * 2500.0), result.Density, 12);
        Assert.Equal(covered / 3000.0, result.Coverage, 12);
    }

    [Fact]
    public void KMustLeaveNeighboursInBothSets()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PrecisionRecall.Compute(Gaussian(10, 2, 7), Gaussian(3, 2, 8), k: 3));
        Assert.Contains("3 generated points", error.Message);
    }

    private static double[][] Rows(Tensor t)
    {
        var flat = t.data<double>().ToArray();
        var d = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    private static double Distance(double[] p, double[] q) => Math.Sqrt(p.Zip(q, (u, v) => (u - v) * (u - v)).Sum());

    private static double[] KthNeighbourRadii(double[][] points, int k) =>
        points.Select((p, i) => points.Where((_, j) => j != i).Select(q => Distance(p, q)).Order().ElementAt(k - 1)).ToArray();
}
