using PrecondFlow.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

public class ElongatedGaussianTests
{
    [Theory]
    [InlineData(100, 30)]
    [InlineData(1000, -75)]
    [InlineData(1, 0)]
    public void TheCovarianceHasConditionNumberKappaAndItsLongAxisAtTheAngle(double kappa, double angle)
    {
        using var scope = NewDisposeScope();
        var gaussian = new ElongatedGaussian(kappa, angle, maxVariance: 2);
        var sigma = gaussian.Covariance;
        Assert.Equal(ScalarType.Float64, sigma.dtype);
        Assert.Equal(new long[] { 2, 2 }, sigma.shape);
        var (values, vectors) = linalg.eigh(sigma);
        var eigen = values.data<double>().ToArray();
        // Closed-form entries; float64 rounding leaves ~1e-16 relative error.
        Assert.Equal(2 / kappa, eigen[0], 12);
        Assert.Equal(2.0, eigen[1], 12);
        Assert.Equal(kappa, eigen[1] / eigen[0], 6);
        if (kappa > 1)
        {
            var axis = vectors[.., 1].data<double>().ToArray();
            var (s, c) = Math.SinCos(angle * Math.PI / 180);
            Assert.Equal(1.0, Math.Abs(axis[0] * c + axis[1] * s), 12);
        }
    }

    [Fact]
    public void TheSampleCovarianceMatchesTheExactOne()
    {
        using var scope = NewDisposeScope();
        const int n = 20_000;
        var gaussian = new ElongatedGaussian(kappa: 100, angleDegrees: 30, maxVariance: 1, meanX: 1, meanY: -2);
        var x = gaussian.Sample(n, seed: 11, ScalarType.Float64).Points;
        var sigma = gaussian.Covariance;
        // Whitened by the exact Σ^(−1/2), the sample must be N(0, I): this checks the short axis
        // (variance 0.01) as sharply as the long one. Standard errors at n = 2·10⁴: 0.007 for the mean,
        // 0.01 for a variance, 0.007 for a covariance; 0.04 and 0.05 are 5 or more of them.
        var whitened = (x - gaussian.Mean).matmul(Moments.InverseSqrt(sigma));
        Assert.True(Moments.MaxAbs(Moments.Mean(whitened)) < 0.04);
        Assert.True(Moments.MaxAbs(Moments.Covariance(whitened) - eye(2, dtype: ScalarType.Float64)) < 0.05);
        // In the original coordinates: E‖S − Σ‖_F² = ((tr Σ)² + ‖Σ‖_F²)/n for Gaussian data, so the
        // relative Frobenius error is about √(2.02/n)/1 = 0.01; 0.05 is 5 of them.
        var relative = (Moments.Covariance(x) - sigma).norm().item<double>() / sigma.norm().item<double>();
        Assert.True(relative < 0.05, $"relative covariance error {relative}");
    }

    [Fact]
    public void TheMeanIsTheRequestedFloat64Vector()
    {
        using var scope = NewDisposeScope();
        var mean = new ElongatedGaussian(meanX: 1.5, meanY: -0.5).Mean;
        Assert.Equal(ScalarType.Float64, mean.dtype);
        Assert.Equal(new[] { 1.5, -0.5 }, mean.data<double>().ToArray());
    }

    [Fact]
    public void AConditionNumberBelowOneIsRejected() =>
        Assert.Equal("kappa", Assert.Throws<ArgumentOutOfRangeException>(() => new ElongatedGaussian(kappa: 0.5)).ParamName);
}
