using PrecondFlow.Data;
using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

public class AffineWhiteningTests
{
    /// <summary>n points of N(μ, R diag(λ) Rᵀ) in float64, with a seeded random rotation R.</summary>
    private static PointCloud RotatedGaussian(long n, double[] variances, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var scope = torch.NewDisposeScope();
        var d = variances.Length;
        var (q, _) = torch.linalg.qr(torch.randn(d, d, dtype: ScalarType.Float64, generator: generator));
        var scales = torch.tensor(variances, dtype: ScalarType.Float64).sqrt();
        var x = (torch.randn(n, d, dtype: ScalarType.Float64, generator: generator) * scales).mm(q.T) + 5.0;
        return new PointCloud(x.MoveToOuterDisposeScope());
    }

    [Fact]
    public void WhitenedSamplesHaveIdentityCovarianceAndZeroMean()
    {
        var data = RotatedGaussian(100_000, [10, 1, 0.1, 0.001], seed: 3);
        using var p = new AffineWhitening(4);
        p.Fit(data);
        Assert.Equal(1e4, p.ConditionNumber, 1e4 * 0.05);   // sampling error of eigenvalues at n = 1e5 is ~1 %
        using var scope = torch.NewDisposeScope();
        var (z, _) = p.Forward(data.Points);
        var deviation = (PreconditionerCases.Covariance(z) - torch.eye(4, dtype: ScalarType.Float64)).abs().max().item<double>();
        // Fitted on the same samples, so Cov(z) = I holds up to float64 rounding; 1e-3 is the promised bound.
        Assert.True(deviation < 1e-3, $"max |Cov(z) − I| = {deviation:g3}");
        Assert.True(deviation < 1e-9, $"max |Cov(z) − I| = {deviation:g3}: more than rounding");
        Assert.True(z.mean([0]).abs().max().item<double>() < 1e-9);
    }

    [Fact]
    public void LogAbsDetIsMinusHalfTheLogDeterminantOfTheCovariance()
    {
        var data = RotatedGaussian(2000, [4, 1, 0.25], seed: 4);
        using var p = new AffineWhitening(3);
        p.Fit(data);
        using var scope = torch.NewDisposeScope();
        var (_, logDetSigma) = torch.linalg.slogdet(PreconditionerCases.Covariance(data.Points));
        var expected = -0.5 * logDetSigma.item<double>();
        Assert.Equal(expected, p.LogAbsDet, 1e-10);   // same float64 quantity computed two ways
        var (_, logDet) = p.Forward(data.Points.narrow(0, 0, 5));
        Assert.All(logDet.data<double>().ToArray(), value => Assert.Equal(expected, value, 1e-10));
    }

    [Fact]
    public void TheWhiteningMatrixIsTheSymmetricInverseSquareRoot()
    {
        var data = RotatedGaussian(1000, [3, 0.5], seed: 5);
        using var p = new AffineWhitening(2);
        p.Fit(data);
        using var scope = torch.NewDisposeScope();
        // The map is linear after centring: z = (x − μ) W, so W = P(μ + I) row by row.
        var w = p.Forward(p.Mean.unsqueeze(0) + torch.eye(2, dtype: ScalarType.Float64)).Z;
        Assert.True((w - w.T).abs().max().item<double>() < 1e-12, "W must be symmetric");
        var product = w.mm(p.Covariance).mm(w);   // W Σ W = I for W = Σ^(−1/2)
        Assert.True((product - torch.eye(2, dtype: ScalarType.Float64)).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void NoMoreSamplesThanDimensionsWithoutShrinkageIsAnErrorSuggestingShrinkage()
    {
        var data = RotatedGaussian(5, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], seed: 6);
        using var p = new AffineWhitening(10);
        var e = Assert.Throws<ArgumentException>(() => p.Fit(data));
        Assert.Contains("n = 5 samples in d = 10 dimensions", e.Message);
        Assert.Contains("shrinkage", e.Message);
    }

    [Fact]
    public void ASingularCovarianceIsAnErrorSuggestingShrinkage()
    {
        using var x = torch.randn(100, 3, dtype: ScalarType.Float64, generator: new Generator(7));
        x[.., 2] = x[.., 0] - x[.., 1];   // the third coordinate carries no variance of its own
        using var p = new AffineWhitening(3);
        var e = Assert.Throws<ArgumentException>(() => p.Fit(new PointCloud(x)));
        Assert.Contains("singular", e.Message);
        Assert.Contains("shrinkage", e.Message);
    }

    [Fact]
    public void ShrinkageBlendsTheCovarianceWithAScaledIdentity()
    {
        var data = RotatedGaussian(5, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], seed: 8);
        const double gamma = 0.3;
        using var p = new AffineWhitening(10, shrinkage: gamma);
        p.Fit(data);
        using var scope = torch.NewDisposeScope();
        var sigma = PreconditionerCases.Covariance(data.Points);
        var expected = (1 - gamma) * sigma + gamma * sigma.trace() / 10 * torch.eye(10, dtype: ScalarType.Float64);
        Assert.True((p.Covariance - expected).abs().max().item<double>() < 1e-10);
        var (z, _) = p.Forward(data.Points);
        Assert.True(PreconditionerCases.RelativeError(p.Inverse(z), data.Points) < 1e-10);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ShrinkageOutsideTheUnitIntervalIsRejected(double gamma)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AffineWhitening(2, gamma));
        Assert.Equal("shrinkage", e.ParamName);
    }

    [Fact]
    public void UsingItBeforeFittingSaysToFitFirst()
    {
        using var p = new AffineWhitening(2);
        using var x = torch.zeros(3, 2);
        var e = Assert.Throws<InvalidOperationException>(() => p.Forward(x));
        Assert.Contains("Fit(data)", e.Message);
        Assert.Throws<InvalidOperationException>(() => p.Save(Path.GetTempPath()));
    }

    [Fact]
    public void ParametersStayFloat64WhenMappingFloat32()
    {
        var data = RotatedGaussian(1000, [100, 0.01], seed: 9);
        using var p = new AffineWhitening(2);
        p.Fit(data with { Points = data.Points.to(ScalarType.Float32) });
        using var scope = torch.NewDisposeScope();
        Assert.Equal(ScalarType.Float64, p.Mean.dtype);
        var (z32, _) = p.Forward(data.Points.to(ScalarType.Float32));
        var (z64, _) = p.Forward(data.Points);
        Assert.Equal(ScalarType.Float32, z32.dtype);
        // Only the final float32 rounding differs (κ = 1e4 amplifies it to ~1e-5 relative at most).
        Assert.True(PreconditionerCases.RelativeError(z32, z64) < 1e-4);
    }
}
