using PrecondFlow.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

public class TwoMoonsTests
{
    [Fact]
    public void NoiseFreeMoonsAreUnitHalfCirclesFacingEachOther()
    {
        using var scope = NewDisposeScope();
        var cloud = new TwoMoons(noise: 0).Sample(2000, seed: 1, ScalarType.Float64);
        var outer = cloud.Points[cloud.Labels!.eq(0)];
        var inner = cloud.Points[cloud.Labels!.eq(1)];
        var outerCentre = tensor(new[] { -0.5, -0.25 }, ScalarType.Float64);
        var innerCentre = tensor(new[] { 0.5, 0.25 }, ScalarType.Float64);
        // Exact up to float64 rounding of cos and sin.
        Assert.True(Moments.MaxAbs((outer - outerCentre).norm(dim: 1) - 1) < 1e-12);
        Assert.True(Moments.MaxAbs((inner - innerCentre).norm(dim: 1) - 1) < 1e-12);
        Assert.True(outer[.., 1].min().item<double>() >= -0.25 - 1e-12, "moon 0 is the upper half circle");
        Assert.True(inner[.., 1].max().item<double>() <= 0.25 + 1e-12, "moon 1 is the lower half circle");
    }

    [Fact]
    public void TheMoonsAreCentredBalancedAndCarryTheRequestedNoise()
    {
        using var scope = NewDisposeScope();
        const int n = 20_000;
        var noisy = new TwoMoons(0.1).Sample(n, seed: 2, ScalarType.Float64);
        var clean = new TwoMoons(0).Sample(n, seed: 2, ScalarType.Float64);
        // Coordinates have std < 0.9, so the mean's standard error is < 0.0064; 0.03 is ~5 of them.
        Assert.True(Moments.MaxAbs(Moments.Mean(noisy.Points)) < 0.03);
        // A frequency of ½ has standard error 0.0035 at n = 20000.
        Assert.InRange(noisy.Labels!.to(ScalarType.Float64).mean().item<double>(), 0.485, 0.515);
        // Same seed: labels and angles are drawn first, so the difference is exactly the noise.
        var epsilon = (noisy.Points - clean.Points) / 0.1;
        Assert.True(Moments.MaxAbs(Moments.Covariance(epsilon) - eye(2, dtype: ScalarType.Float64)) < 0.05);
    }
}
