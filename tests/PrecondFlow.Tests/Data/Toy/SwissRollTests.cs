using PrecondFlow.Data.Toy;
using PrecondFlow.Metrics;
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

    [Fact]
    public void TheRawScaleIsSevenTimesTheUnitScalePointForPoint()
    {
        using var scope = NewDisposeScope();
        // Same seed, same draws: only the divisor differs, so raw = 7 · unit up to float64 rounding (|x| ≤ 15, ~1e-14).
        var unit = new SwissRoll(0.05).Sample(1000, seed: 4, ScalarType.Float64).Points;
        var raw = new SwissRoll(0.05 * SwissRoll.Divisor, divisor: 1).Sample(1000, seed: 4, ScalarType.Float64).Points;
        Assert.True(Moments.MaxAbs(raw - SwissRoll.Divisor * unit) < 1e-9);
    }

    [Fact]
    public void TheRawScaleHasScikitLearnsSpread()
    {
        using var scope = NewDisposeScope();
        var p = new SwissRoll(0, divisor: 1).Sample(20_000, seed: 3, ScalarType.Float64).Points;
        // The closed forms of the unit-scale test without the divisor: std 6.62 (x) and 6.95 (z).
        var secondMoment = 9.75 * Math.PI * Math.PI;
        double[] std = [Math.Sqrt((secondMoment - 0.5) / 2 - 4), Math.Sqrt((secondMoment + 0.5) / 2 - Math.Pow(2 / (3 * Math.PI), 2))];
        Assert.InRange(std[0], 6.6, 6.65);
        Assert.InRange(std[1], 6.9, 7.0);
        var sampleStd = p.std(dim: 0).data<double>().ToArray();
        for (var i = 0; i < 2; i++)
            // Standard error of the std with n = 2·10⁴: ≈ 7/√(2n) = 0.035 (the unit-scale 0.007 × 7); 0.2 ≈ 5 of them.
            Assert.InRange(sampleStd[i], std[i] - 0.2, std[i] + 0.2);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(7.0)]
    [InlineData(2.5)]
    public void TheGeneratingCurveFollowsTheScale(double divisor)
    {
        using var scope = NewDisposeScope();
        var roll = new SwissRoll(0, divisor);
        var piece = Assert.Single(roll.GeneratingCurve);
        var t = tensor(new[] { 1.5 * Math.PI, 2 * Math.PI, 4.5 * Math.PI }, ScalarType.Float64);
        // Closed form: c(t) = (t cos t, t sin t) / divisor; at t = 2π that is (2π/divisor, 0).
        var expected = stack([t * cos(t), t * sin(t)], dim: 1) / divisor;
        Assert.True(Moments.MaxAbs(piece.Point(t) - expected) < 1e-12);
        Assert.Equal(2 * Math.PI / divisor, piece.Point(t)[1, 0].item<double>(), 1e-12);
        // Noise-free samples lie on the curve at every scale: the golden-section search leaves round-off (~1e-15 relative),
        // while a curve left at the unit scale would be ≥ 0.1 away from most raw points.
        var points = roll.Sample(500, seed: 5, ScalarType.Float64).Points;
        var distance = CurveDistance.Compute(points, roll.GeneratingCurve);
        Assert.True(distance.max().item<double>() < 1e-6, $"max distance {distance.max().item<double>():G3}");
    }

    [Fact]
    public void ANonPositiveDivisorIsRejected() =>
        Assert.Equal("divisor", Assert.Throws<ArgumentOutOfRangeException>(() => new SwissRoll(0.05, divisor: 0)).ParamName);
}
