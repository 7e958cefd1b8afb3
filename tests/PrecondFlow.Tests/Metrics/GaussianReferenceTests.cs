using PrecondFlow.LinearAlgebra;
using PrecondFlow.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class GaussianReferenceTests
{
    [Fact]
    public void StandardNormalPointsAreCloseToTheReferenceAndStretchedOnesAreNot()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var gaussian = randn(1000, 2, generator: generator);
        var stretched = gaussian * tensor(new[] { 3f, 0.3f });
        var near = GaussianReference.Compare(gaussian, seed: 2);
        var far = GaussianReference.Compare(stretched, seed: 2);
        // Two N(0, I) samples of 1000 points are close only up to sampling noise (measured SW₂ 0.073,
        // MMD² 2.7e-4, energy 0.0035, Fréchet 0.006); the stretched set is at least ten times further on
        // every metric (measured 1.27, 0.37, 0.39, 4.5).
        Assert.True(far.SlicedWasserstein > 5 * near.SlicedWasserstein);
        Assert.True(far.Mmd > 10 * Math.Abs(near.Mmd));
        Assert.True(far.Energy > 10 * near.Energy);
        Assert.True(far.Frechet > 10 * near.Frechet);
        Assert.Equal(2L, near.Seed);
    }

    [Fact]
    public void TheReferenceIsReproducibleAndSizedOnRequest()
    {
        using var scope = NewDisposeScope();
        var points = GaussianReference.Draw(100, 3, seed: 4);
        Assert.Equal(new long[] { 100, 3 }, points.shape);
        Assert.True(points.eq(GaussianReference.Draw(100, 3, seed: 4)).all().item<bool>());
        var c = GaussianReference.Compare(points, seed: 5, referenceCount: 250);
        Assert.Equal(250L, c.CountB);
        Assert.Equal(c, GaussianReference.Compare(points, seed: 5, referenceCount: 250) with { MmdBandwidths = c.MmdBandwidths });
    }

    [Fact]
    public void FrechetToStandardNormalIsExactForPointsWithKnownMoments()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(6);
        // Whiten a Gaussian draw so that its sample mean is exactly 0 and its covariance exactly I, then
        // scale and shift: mean (1, 0), covariance diag(4, 1).
        var z = randn(500, 2, dtype: ScalarType.Float64, generator: generator);
        z = z - z.mean(new long[] { 0 }, keepdim: true);
        z = z.matmul(SymmetricMatrices.InverseSqrt(SampleCovariance.Of(z)));
        var x = z * tensor(new[] { 2.0, 1.0 }) + tensor(new[] { 1.0, 0.0 });
        // ‖μ‖² + tr Σ + d − 2 tr Σ^½ = 1 + 5 + 2 − 2·3 = 2.
        Assert.Equal(2.0, GaussianReference.FrechetToStandardNormal(x), 10);
    }
}
