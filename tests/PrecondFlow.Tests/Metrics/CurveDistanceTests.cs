using PrecondFlow.Data.Toy;
using PrecondFlow.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class CurveDistanceTests
{
    /// <summary>Points of the Swiss roll's spiral c(t) = (t cos t, t sin t)/7 and their unit normals, t away from the ends.</summary>
    private static (Tensor Points, Tensor Normals) SpiralWithNormals(int count, ulong seed)
    {
        using var generator = new Generator(seed);
        var t = 1.6 * Math.PI + 2.8 * Math.PI * rand(count, dtype: ScalarType.Float64, generator: generator);
        var points = stack([t * cos(t), t * sin(t)], 1) / SwissRoll.Divisor;
        var tangent = stack([cos(t) - t * sin(t), sin(t) + t * cos(t)], 1);
        var normal = stack([-tangent[.., 1], tangent[.., 0]], 1);
        return (points, normal / normal.norm(1, keepdim: true));
    }

    [Fact]
    public void PointsOnTheSwissRollHaveDistanceZero()
    {
        using var scope = NewDisposeScope();
        var (points, _) = SpiralWithNormals(2000, 1);
        var distances = CurveDistance.Compute(points, new SwissRoll().GeneratingCurve);
        // Golden-section refinement leaves a parameter error near 1e-15: distances at round-off, far below 1e-6.
        Assert.True(distances.max().item<double>() < 1e-6, $"largest distance {distances.max().item<double>():G3}");
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(-0.05)]
    [InlineData(0.2)]
    public void PointsPushedAlongTheNormalOfTheSwissRollAreAtTheOffset(double offset)
    {
        using var scope = NewDisposeScope();
        var (points, normals) = SpiralWithNormals(2000, 2);
        // |offset| ≤ 0.2 stays below the radius of curvature (≥ 0.6 on this range) and below half the gap between
        // arms (2π/7/2 ≈ 0.45), so the foot of the normal is the nearest point of the curve.
        var distances = CurveDistance.Compute(points + offset * normals, new SwissRoll().GeneratingCurve);
        Assert.True((distances - Math.Abs(offset)).abs().max().item<double>() < 1e-9);
    }

    [Fact]
    public void PointsPushedAwayFromTheMoonsCentresAreAtTheOffset()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var theta = 0.1 + (Math.PI - 0.2) * rand(1000, dtype: ScalarType.Float64, generator: generator);
        var radial = stack([cos(theta), sin(theta)], 1);
        const double offset = 0.03;
        // The half circles have radius 1 about (−0.5, −0.25) (upper moon) and (0.5, 0.25) (lower moon, pointing down).
        var upper = tensor(new[] { -0.5, -0.25 }, ScalarType.Float64) + (1 + offset) * radial;
        var lower = tensor(new[] { 0.5, 0.25 }, ScalarType.Float64) - (1 - offset) * radial;
        var distances = CurveDistance.Compute(cat([upper, lower], 0), new TwoMoons().GeneratingCurve);
        Assert.True((distances - offset).abs().max().item<double>() < 1e-9);
    }

    [Fact]
    public void TheSummaryGivesMeanPercentileAndShareOfKnownDistances()
    {
        using var scope = NewDisposeScope();
        // 101 points at distances 0, 0.002, …, 0.2 from the upper moon: mean 0.1, 99th percentile 0.198,
        // 24 of them beyond 3σ = 0.153 (0.154 … 0.2; no distance within round-off of 3σ).
        var offsets = linspace(0, 0.2, 101, dtype: ScalarType.Float64).unsqueeze(1);
        var points = tensor(new[] { -0.5, -0.25 }, ScalarType.Float64) + (1 + offsets) * tensor(new[] { 0.0, 1.0 }, ScalarType.Float64);
        var summary = CurveDistance.Summarize(points, new TwoMoons(noise: 0.051));
        Assert.Equal(0.1, summary.Mean, 1e-12);
        Assert.Equal(0.198, summary.Percentile99, 1e-12);
        Assert.Equal(24 / 101.0, summary.ShareBeyondThreeSigma, 12);
        Assert.Equal((0.051, 101L), (summary.Noise, summary.Count));
    }
}
