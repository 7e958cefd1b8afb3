using PrecondFlow.Paths;
using PrecondFlow.Paths.Schedulers;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Paths;

public class AffinePathTests
{
    public static TheoryData<string> SchedulerNames => new() { "linear", "sine-cosine", "vp" };

    [Theory, MemberData(nameof(SchedulerNames))]
    public void DerivativesMatchCentralFiniteDifferences(string name)
    {
        var scheduler = Schedulers.FromName(name);
        var t = linspace(0.05, 0.95, 19, dtype: float64);
        const double h = 1e-6;
        var plus = scheduler.At(t + h);
        var minus = scheduler.At(t - h);
        var at = scheduler.At(t);
        // Central differences in float64 are accurate to about h² + 1e-16/h ≈ 1e-10; 1e-6 leaves room for the VP's larger curvature.
        Assert.True(((plus.Alpha - minus.Alpha) / (2 * h) - at.DAlpha).abs().max().item<double>() < 1e-6);
        Assert.True(((plus.Sigma - minus.Sigma) / (2 * h) - at.DSigma).abs().max().item<double>() < 1e-6);
    }

    [Theory]
    [InlineData("sine-cosine")]
    [InlineData("vp")]
    public void VariancePreservingPathsKeepAlphaSquaredPlusSigmaSquaredAtOne(string name)
    {
        var s = Schedulers.FromName(name).At(linspace(0, 1, 11, dtype: float64));
        // 1e-11: the VP schedule floors σ² at 1e-12 so that σ̇ = −αα̇/σ stays finite at t = 1.
        Assert.True((s.Alpha.square() + s.Sigma.square() - 1).abs().max().item<double>() < 1e-11);
    }

    [Fact]
    public void TheLinearPathInterpolatesAndItsVelocityIsTheDifference()
    {
        var path = AffinePath.FromName("linear");
        var x0 = randn(5, 3, dtype: float64);
        var x1 = randn(5, 3, dtype: float64);
        var t = rand(5, 1, dtype: float64);
        var sample = path.Sample(x0, x1, t);
        Assert.True(sample.Xt.allclose((1 - t) * x0 + t * x1));
        Assert.True(sample.Velocity.allclose(x1 - x0));
    }

    [Theory, MemberData(nameof(SchedulerNames))]
    public void NoiseToVelocityGivesTheConditionalVelocityWhenTheNoiseIsKnown(string name)
    {
        // With ε̂ equal to the true x₀, (α̇/α)x_t + (σ̇ − α̇σ/α)x₀ = α̇x₁ + σ̇x₀ exactly.
        var path = AffinePath.FromName(name);
        var x0 = randn(4, 2, dtype: float64);
        var x1 = randn(4, 2, dtype: float64);
        var t = full(4, 1, 0.3, dtype: float64);
        var sample = path.Sample(x0, x1, t);
        Assert.True(path.NoiseToVelocity(x0, sample.Xt, t).allclose(sample.Velocity, rtol: 1e-10, atol: 1e-10));
    }

    [Fact]
    public void AnUnknownPathNameListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => Schedulers.FromName("straight"));
        Assert.Contains("'straight'", error.Message);
        Assert.Contains("linear, sine-cosine, vp", error.Message);
    }
}
