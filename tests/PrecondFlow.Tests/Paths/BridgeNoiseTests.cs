using PrecondFlow.Paths;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Paths;

/// <summary>I-CFM and SB-CFM: the noisy straight path and its conditional target, as in Tong et al. (and TorchCFM).</summary>
public class BridgeNoiseTests
{
    private static readonly AffinePath Linear = AffinePath.FromName("linear");

    private static (Tensor X0, Tensor X1, Tensor T, Tensor Eps) Batch(long seed, int n = 200_000)
    {
        using var g = new Generator((ulong)seed);
        var x0 = randn(n, 2, dtype: ScalarType.Float64, generator: g);
        // x₁ ~ N((3, −1), diag(4, 0.25)): a Gaussian pair with different means and scales.
        var x1 = randn(n, 2, dtype: ScalarType.Float64, generator: g) * tensor(new[] { 2.0, 0.5 }) + tensor(new[] { 3.0, -1 });
        var t = rand(n, 1, dtype: ScalarType.Float64, generator: g) * 0.8 + 0.1;
        return (x0, x1, t, randn(n, 2, dtype: ScalarType.Float64, generator: g));
    }

    [Theory]
    [InlineData(BridgeKind.Constant)]
    [InlineData(BridgeKind.Schrodinger)]
    public void TheTargetIsTheTimeDerivativeOfTheNoisyPath(BridgeKind kind)
    {
        // For fixed (x₀, x₁, ε) the conditional target is d/dt of x_t = t·x₁ + (1 − t)·x₀ + σ_t·ε: checked by a central
        // difference, independent of the formula in the code.
        var (x0, x1, t, eps) = Batch(1, n: 1000);
        var bridge = new BridgeNoise(0.7, kind);
        var sample = bridge.Apply(Linear.Sample(x0, x1, t), eps);
        const double h = 1e-6;
        var ahead = bridge.Apply(Linear.Sample(x0, x1, t + h), eps).Xt;
        var behind = bridge.Apply(Linear.Sample(x0, x1, t - h), eps).Xt;
        var derivative = (ahead - behind) / (2 * h);
        // Central difference error O(h²·|σ_t'''|) plus rounding O(1e-16/h) ≈ 1e-10; TorchCFM's 1e-8 guard in the SB
        // denominator changes the target by a relative 1e-8/(2t(1 − t)) < 1e-7 for t ∈ [0.1, 0.9].
        Assert.True((sample.Velocity - derivative).abs().max().item<double>() < 1e-6);
    }

    [Theory]
    [InlineData(BridgeKind.Constant, 0.5)]
    [InlineData(BridgeKind.Schrodinger, 0.5)]
    [InlineData(BridgeKind.Constant, 0.9)]
    public void TheMarginalAtTimeTIsTheClosedFormGaussian(BridgeKind kind, double time)
    {
        // x₀ ~ N(0, I), x₁ ~ N(m, S) independent: x_t ~ N(t·m, (1 − t)²·I + t²·S + σ_t²·I), σ_t = σ or σ√(t(1 − t)).
        var (x0, x1, _, eps) = Batch(2);
        var t = full(x0.shape[0], 1, time, dtype: ScalarType.Float64);
        const double sigma = 0.6;
        var xt = new BridgeNoise(sigma, kind).Apply(Linear.Sample(x0, x1, t), eps).Xt;
        double noise = kind == BridgeKind.Schrodinger ? sigma * sigma * time * (1 - time) : sigma * sigma;
        var expectedMean = new[] { 3 * time, -time };
        var expectedVariance = new[] { 4.0, 0.25 }.Select(s => (1 - time) * (1 - time) + time * time * s + noise).ToArray();
        var mean = xt.mean([0]).data<double>().ToArray();
        var variance = xt.var(0).data<double>().ToArray();
        // 2·10⁵ samples: the standard error of a mean is √(v/n) < 0.005, of a variance v·√(2/n) < 0.01; 5 standard errors.
        for (int d = 0; d < 2; d++)
        {
            Assert.True(Math.Abs(mean[d] - expectedMean[d]) < 0.025, $"mean[{d}] {mean[d]} vs {expectedMean[d]}");
            Assert.True(Math.Abs(variance[d] - expectedVariance[d]) < 0.05, $"variance[{d}] {variance[d]} vs {expectedVariance[d]}");
        }
    }

    [Fact]
    public void ZeroSigmaLeavesThePathUnchanged()
    {
        var (x0, x1, t, eps) = Batch(3, n: 100);
        var plain = Linear.Sample(x0, x1, t);
        var noisy = new BridgeNoise(0).Apply(plain, eps);
        Assert.False(new BridgeNoise(0).IsActive);
        Assert.True(noisy.Xt.equal(plain.Xt).all().item<bool>() && noisy.Velocity.equal(plain.Velocity).all().item<bool>());
    }

    [Fact]
    public void ANegativeSigmaIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BridgeNoise(-0.1).Validate());
}
