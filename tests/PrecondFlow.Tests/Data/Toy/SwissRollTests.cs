using PrecondFlow.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

public class SwissRollTests
{
    [Fact]
    public void NoiseFreePointsLieOnTheScaledSpiral()
    {
        using var scope = NewDisposeScope();
        var p = new SwissRoll(noise: 0).Sample(2000, seed: 1, ScalarType.Float64).Points * SwissRoll.Divisor;
        // |t·(cos t, sin t)| = t, so the radius recovers the spiral parameter t ∈ [1.5π, 4.5π].
        var t = p.norm(dim: 1);
        Assert.True(t.min().item<double>() >= 1.5 * Math.PI - 1e-9);
        Assert.True(t.max().item<double>() <= 4.5 * Math.PI + 1e-9);
        var onSpiral = stack([t * cos(t), t * sin(t)], dim: 1);
        // float64 rounding of t·cos t for t ≤ 15 is ~1e-14; 1e-9 leaves room and still fails for any other curve.
        Assert.True(Moments.MaxAbs(onSpiral - p) < 1e-9);
    }

    [Fact]
    public void TheNoiseIsIsotropicWithTheRequestedStandardDeviation()
    {
        using var scope = NewDisposeScope();
        const int n = 10_000;
        const double sigma = 0.1;
        // Same seed: the spiral parameters are drawn first, so the difference is exactly the noise.
        var noisy = new SwissRoll(sigma).Sample(n, seed: 2, ScalarType.Float64).Points;
        var clean = new SwissRoll(0).Sample(n, seed: 2, ScalarType.Float64).Points;
        var epsilon = (noisy - clean) / sigma;
        // Standard errors with n = 10⁴: mean 0.01, variance 0.014, covariance 0.01; 0.05 is ≥ 3.5 of them.
        Assert.True(Moments.MaxAbs(Moments.Mean(epsilon)) < 0.05);
        Assert.True(Moments.MaxAbs(Moments.Covariance(epsilon) - eye(2, dtype: ScalarType.Float64)) < 0.05);
    }

    [Fact]
    public void EachCoordinateHasTheClosedFormMeanAndAboutUnitSpread()
    {
        using var scope = NewDisposeScope();
        var p = new SwissRoll(0).Sample(20_000, seed: 3, ScalarType.Float64).Points;
        // t ~ U[a, b], a = 1.5π, b = 4.5π: E[t cos t] = 2, E[t sin t] = 2/(3π), E[t²] = 9.75π²,
        // E[t² cos 2t] = −1/2, so Var(x) = (E[t²] − ½)/2 − 4 and Var(z) = (E[t²] + ½)/2 − (2/(3π))².
        var d = SwissRoll.Divisor;
        var secondMoment = 9.75 * Math.PI * Math.PI;
        double[] mean = [2 / d, 2 / (3 * Math.PI) / d];
        double[] std = [Math.Sqrt((secondMoment - 0.5) / 2 - 4) / d, Math.Sqrt((secondMoment + 0.5) / 2 - Math.Pow(2 / (3 * Math.PI), 2)) / d];
        Assert.InRange(std[0], 0.94, 0.95);
        Assert.InRange(std[1], 0.99, 1.0);
        var sampleMean = Moments.Mean(p).data<double>().ToArray();
        var sampleStd = p.std(dim: 0).data<double>().ToArray();
        for (var i = 0; i < 2; i++)
        {
            // Standard errors with n = 2·10⁴ and |coordinates| ≤ 2.1: about 0.007 for the mean and the std; 0.03 ≈ 4 of them.
            Assert.InRange(sampleMean[i], mean[i] - 0.03, mean[i] + 0.03);
            Assert.InRange(sampleStd[i], std[i] - 0.03, std[i] + 0.03);
        }
    }

    [Fact]
    public void NegativeNoiseIsRejected() =>
        Assert.Equal("noise", Assert.Throws<ArgumentOutOfRangeException>(() => new SwissRoll(-1)).ParamName);
}
