using PrecondFlow.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.LinearAlgebra;

public class SampleCovarianceTests
{
    // Hand computations on small integer data: every intermediate is exact in float64, so the only
    // error is the last bit of a division; 1e-12 leaves room for that and nothing else.
    private const double Exact = 1e-12;

    [Fact]
    public void CovarianceOfThreePointsIsTheHandComputedUnbiasedEstimate()
    {
        // Mean (3, 4); deviations (−2, −2), (0, 2), (2, 0); Σ dev devᵀ = [[8, 4], [4, 8]]; divided by n − 1 = 2.
        using var points = tensor(new double[,] { { 1, 2 }, { 3, 6 }, { 5, 4 } });
        using var sigma = SampleCovariance.Of(points);
        Assert.Equal(ScalarType.Float64, sigma.dtype);
        AssertMatrix(new double[,] { { 4, 2 }, { 2, 4 } }, sigma, Exact);
    }

    [Fact]
    public void OneDimensionalPointsGiveAOneByOneMatrixNotAScalar()
    {
        // torch.cov squeezes a single variable's variance to a scalar; callers index a (d, d) matrix.
        using var points = tensor(new float[,] { { 1 }, { 2 }, { 6 } });
        using var sigma = SampleCovariance.Of(points);
        Assert.Equal(new long[] { 1, 1 }, sigma.shape);
        Assert.Equal(7.0, sigma[0, 0].item<double>(), 12);   // mean 3, squares 4 + 1 + 9 = 14, / 2
    }

    [Fact]
    public void FloatInputIsPromotedBeforeTheProductsAreSummed()
    {
        // A large offset with tiny spread: float32 arithmetic would lose the spread (ulp(1e4) ≈ 1e-3).
        using var points = tensor(new float[,] { { 10_000f }, { 10_000.0625f } });
        using var sigma = SampleCovariance.Of(points);
        Assert.Equal(0.0625 * 0.0625 / 2, sigma[0, 0].item<double>(), 15);
    }

    [Fact]
    public void FewerThanTwoPointsAreRejectedWithTheCount()
    {
        using var one = zeros(1, 3);
        var e = Assert.Throws<ArgumentException>(() => SampleCovariance.Of(one));
        Assert.Contains("has 1 points; at least 2 are needed", e.Message);
    }

    [Fact]
    public void PooledCovarianceOfTwoClassesIsTheHandComputedWithinClassScatter()
    {
        // Class 0: (0, 0), (2, 0), mean (1, 0), scatter [[2, 0], [0, 0]].
        // Class 1: (0, 0), (0, 2), (0, 4), mean (0, 2), scatter [[0, 0], [0, 8]].
        // N − K = 5 − 2 = 3 degrees of freedom: Σ_pool = [[2/3, 0], [0, 8/3]].
        using var a = tensor(new double[,] { { 0, 0 }, { 2, 0 } });
        using var b = tensor(new double[,] { { 0, 0 }, { 0, 2 }, { 0, 4 } });
        using var pooled = SampleCovariance.PooledWithinClass([a, b]);
        AssertMatrix(new double[,] { { 2.0 / 3, 0 }, { 0, 8.0 / 3 } }, pooled, Exact);
    }

    [Fact]
    public void PooledCovarianceFromLabelsEqualsTheOneFromGroupsInAnyRowOrder()
    {
        using var points = tensor(new double[,] { { 0, 2 }, { 0, 0 }, { 2, 0 }, { 0, 4 }, { 0, 0 } });
        using var labels = tensor(new long[] { 1, 0, 0, 1, 1 });
        using var pooled = SampleCovariance.PooledWithinClass(points, labels);
        AssertMatrix(new double[,] { { 2.0 / 3, 0 }, { 0, 8.0 / 3 } }, pooled, Exact);
    }

    [Fact]
    public void PooledCovarianceIgnoresHowFarApartTheClassMeansAre()
    {
        // The total covariance grows with the distance between the means; the within-class one must not.
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var a = randn(50, 3, dtype: float64, generator: generator);
        var b = randn(40, 3, dtype: float64, generator: generator);
        var near = SampleCovariance.PooledWithinClass([a, b]);
        var far = SampleCovariance.PooledWithinClass([a, b + 1000]);
        // The shift enters only through the class mean it is subtracted from again: round-off of 1000·ε.
        Assert.True((near - far).abs().max().item<double>() < 1e-10);
        Assert.True((SampleCovariance.Of(cat([a, b + 1000], 0)) - near).abs().max().item<double>() > 1000);
    }

    [Fact]
    public void APooledCovarianceOfSingleSampleClassesIsRejected()
    {
        using var a = zeros(1, 2, dtype: float64);
        using var b = ones(1, 2, dtype: float64);
        var e = Assert.Throws<ArgumentException>(() => SampleCovariance.PooledWithinClass([a, b]));
        Assert.Contains("every class has a single point", e.Message);
    }

    [Fact]
    public void FullShrinkageGivesTheMeanEigenvalueTimesTheIdentityAndKeepsTheTrace()
    {
        using var sigma = tensor(new double[,] { { 4, 2 }, { 2, 2 } });
        using var full = SampleCovariance.Shrink(sigma, 1);
        AssertMatrix(new double[,] { { 3, 0 }, { 0, 3 } }, full, Exact);
        using var half = SampleCovariance.Shrink(sigma, 0.5);
        AssertMatrix(new double[,] { { 3.5, 1 }, { 1, 2.5 } }, half, Exact);
        using var none = SampleCovariance.Shrink(sigma, 0);
        AssertMatrix(new double[,] { { 4, 2 }, { 2, 2 } }, none, 0);
    }

    private static void AssertMatrix(double[,] expected, Tensor actual, double tolerance)
    {
        Assert.Equal(new long[] { expected.GetLength(0), expected.GetLength(1) }, actual.shape);
        for (var i = 0; i < expected.GetLength(0); i++)
        for (var j = 0; j < expected.GetLength(1); j++)
        {
            var value = actual[i, j].item<double>();
            Assert.True(Math.Abs(value - expected[i, j]) <= tolerance, $"[{i}, {j}]: expected {expected[i, j]}, got {value}");
        }
    }
}
