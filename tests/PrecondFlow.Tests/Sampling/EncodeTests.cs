using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Sampling;

/// <summary>Running a flow backwards (data → base) on a field whose flow is known in closed form.</summary>
public class EncodeTests
{
    private const double Rate = 0.3, Angle = 1.2;

    /// <summary>
    /// v(x, t) = A·x with A = [[a, −ω], [ω, a]] at every time: the flow map from t₀ to t₁ is exp((t₁ − t₀)A), a rotation by
    /// (t₁ − t₀)ω scaled by e^((t₁ − t₀)a). In float64.
    /// </summary>
    internal static GenerativeModel SpiralModel()
    {
        var config = new FieldConfig(Kind: "linear", Dim: 2);
        var field = new LinearVectorField(config);
        field.to(float64);
        using (no_grad())
        {
            using var a = tensor(new[,] { { Rate, -Angle }, { Angle, Rate } }, dtype: float64);
            field.parameters().First().copy_(a.unsqueeze(0).expand(config.TimeKnots, 2, 2));
        }
        return new GenerativeModel(field, new ModelSpec(config));
    }

    /// <summary>exp(s·A)·x row by row.</summary>
    internal static Tensor Flow(Tensor x, double s)
    {
        double scale = Math.Exp(s * Rate), c = Math.Cos(s * Angle), n = Math.Sin(s * Angle);
        using var m = tensor(new[,] { { c, -n }, { n, c } }, dtype: float64);
        return scale * x.matmul(m.T);
    }

    private static Tensor Points(long count = 50)
    {
        using var g = new Generator(11);
        return randn(new[] { count, 2L }, dtype: float64, generator: g);
    }

    [Fact]
    public void EncodeCarriesPointsBackAlongTheExactFlowMap()
    {
        var model = SpiralModel();
        var x1 = Points();
        using var scope = NewDisposeScope();
        var z = Sampler.Encode(model, x1, new SamplingOptions(Solver: "rk4", Steps: 20)).Points;
        // RK4 with 20 steps on a field of norm ≈ 1.24 has a global error ≈ (h‖A‖)⁴ ≈ 6e-9 relative; 1e-6 leaves margin.
        double error = ((z - Flow(x1, -1)).norm() / x1.norm()).item<double>();
        Assert.True(error < 1e-6, $"relative error {error:E2}");
    }

    [Theory]
    [InlineData("rk4", 20, 1e-6)]
    [InlineData("dopri5", 0, 1e-4)]   // tolerances 1e-6 on each of the two solves; 1e-4 leaves margin for their growth
    [InlineData("euler", 200, 2e-2)]  // first order: (I − hA)ⁿ(I + hA)ⁿ = (I − h²A²)ⁿ ≈ I − hA², an error ≈ h‖A‖² ≈ 8e-3
    public void ForwardsThenBackwardsReturnsTheStartWithinTheSolversAccuracy(string solver, int steps, double tolerance)
    {
        var model = SpiralModel();
        var x0 = Points();
        using var scope = NewDisposeScope();
        var options = new SamplingOptions(Solver: solver, Steps: Math.Max(1, steps),
            Adaptive: new AdaptiveOptions(1e-6, 1e-6));
        var x1 = Sampler.SampleFrom(model, x0, options).Points;
        var back = Sampler.Encode(model, x1, options).Points;
        double error = ((back - x0).norm() / x0.norm()).item<double>();
        Assert.True(error < tolerance, $"{solver}: relative round-trip error {error:E2}");
        Assert.True(((x1 - x0).norm() / x0.norm()).item<double>() > 0.5, "the flow must move the points for the check to mean anything");
    }

    [Fact]
    public void TheTrajectoryRunsFromTheDataToTheBaseWithDecreasingTimes()
    {
        var model = SpiralModel();
        var x1 = Points(5);
        using var scope = NewDisposeScope();
        var result = Sampler.Encode(model, x1, new SamplingOptions(Solver: "rk4", Steps: 4, KeepTrajectory: true));
        Assert.Equal(new[] { 1.0, 0.75, 0.5, 0.25, 0.0 }, result.Times!);
        Assert.True(result.Trajectory![0].equal(x1).all().item<bool>());
        Assert.True(result.Trajectory[^1].equal(result.Points).all().item<bool>());
    }

    [Fact]
    public void EncodingRefusesTheSdeAndPointsOfTheWrongDimension()
    {
        var model = SpiralModel();
        using var x = zeros(3, 3, dtype: float64);
        var e = Assert.Throws<ArgumentException>(() => Sampler.Encode(model, x, new SamplingOptions()));
        Assert.Equal("x1", e.ParamName);
        using var y = zeros(3, 2, dtype: float64);
        Assert.Throws<ArgumentException>(() => Sampler.Encode(model, y, new SamplingOptions(Method: SamplingMethod.Sde)));
    }
}
