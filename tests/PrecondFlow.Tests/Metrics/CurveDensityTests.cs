using PrecondFlow.Data.Toy;
using PrecondFlow.Metrics;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

/// <summary>The exact density of a curve plus Gaussian noise, against closed forms: a straight segment, and the Swiss roll's
/// entropy in the thin-tube limit.</summary>
public class CurveDensityTests
{
    [Fact]
    public void ASegmentsDensityIsTheNormalAcrossItOverItsLength()
    {
        using var scope = NewDisposeScope();
        // c(t) = (t, 0), t ∈ [0, L]: p(x, y) = φ_σ(y)·[Φ((L − x)/σ) − Φ(−x/σ)]/L; away from the ends (x ∈ [1, 3], L = 4,
        // σ = 0.1: ≥ 10σ) the bracket is 1 to 1e-23, so p = φ_σ(y)/L. The midpoint rule with step 4/20000 = 0.002σ is exact
        // to far below the 1e-9 tolerance.
        const double length = 4, sigma = 0.1;
        var segment = new CurvePiece(0, length, t => stack([t, zeros_like(t)], dim: 1));
        var x = tensor(new[] { 1.0, 0.0, 2.0, 0.05, 3.0, -0.23, 1.7, 0.31 }, [4, 2], ScalarType.Float64);
        var logp = CurveDensity.LogDensity(x, [segment], sigma).data<double>().ToArray();
        for (int i = 0; i < 4; i++)
        {
            double y = x[i, 1].item<double>();
            double expected = -Math.Log(length) - 0.5 * Math.Log(2 * Math.PI * sigma * sigma) - y * y / (2 * sigma * sigma);
            Assert.Equal(expected, logp[i], 1e-9);
        }
    }

    [Fact]
    public void TheSwissRollsEntropyIsThatOfTheParameterPlusTheStretchPlusTheNoise()
    {
        using var scope = NewDisposeScope();
        // For σ much smaller than the radius of curvature (≥ 0.7 at unit scale) and the gap between arms (≈ 0.9), the density
        // near the curve is p ≈ [1/(3π)]·[1/‖c′(t)‖]·φ_σ(normal offset), so H ≈ log 3π + E_t log ‖c′(t)‖ + ½ log(2πeσ²), with
        // ‖c′(t)‖ = √(1 + t²)/7. At σ = 0.01 the neglected terms are O(σ²/r²) ≈ 2e-4. The Monte Carlo estimate over 4 000
        // points has a standard error ≈ 0.016 (checked below); 0.06 allows about 4 of them.
        const double sigma = 0.01;
        var roll = new SwissRoll(sigma);
        var sample = roll.Sample(4000, seed: 11, ScalarType.Float64).Points;
        var (nats, standardError) = CurveDensity.Entropy(sample, roll.GeneratingCurve, sigma);
        const int n = 1_000_000;
        double a = 1.5 * Math.PI, b = 4.5 * Math.PI, stretch = 0;
        for (int i = 0; i < n; i++)
        {
            double t = a + (b - a) * (i + 0.5) / n;
            stretch += Math.Log(Math.Sqrt(1 + t * t) / SwissRoll.Divisor) / n;
        }
        double expected = Math.Log(3 * Math.PI) + stretch + 0.5 * Math.Log(2 * Math.PI * Math.E * sigma * sigma);
        Assert.InRange(standardError, 0.005, 0.03);
        Assert.Equal(expected, nats, 0.06);
    }

    [Fact]
    public void ZeroNoiseIsRejected() =>
        Assert.Equal("noise", Assert.Throws<ArgumentOutOfRangeException>(() =>
            CurveDensity.LogDensity(zeros(3, 2), new SwissRoll().GeneratingCurve, 0)).ParamName);
}
