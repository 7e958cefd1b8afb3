using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Sampling;

/// <summary>Sampling from given start points instead of N(0, I).</summary>
public class SampleFromTests
{
    private static readonly FieldConfig Linear = new(Kind: "linear", Dim: 2);

    [Fact]
    public void TheOdeStartsFromTheGivenPointsAndIsSolvedExactlyForALinearField()
    {
        // W(t) = −I at every knot: dx/dt = −x, so x(1) = e⁻¹·x(0); RK4 with 50 steps is exact to ~1e-9 relative.
        var field = new LinearVectorField(Linear);
        using (no_grad())
            field.parameters().First().copy_(eye(2).expand(Linear.TimeKnots, 2, 2) * -1);
        field.to(float64);
        var start = tensor(new double[,] { { 1, 2 }, { -3, 0.5 } });
        var result = Sampler.SampleFrom(new GenerativeModel(field, new ModelSpec(Linear)), start,
            new SamplingOptions(Solver: "rk4", Steps: 50, KeepTrajectory: true));
        Assert.True(result.Trajectory![0].equal(start).all().item<bool>(), "the trajectory starts at the given points");
        var expected = start * Math.Exp(-1);
        Assert.True((result.Points - expected).abs().max().item<double>() < 1e-8);
    }

    [Fact]
    public void TheReverseSdeCannotStartFromGivenPoints()
    {
        var model = new GenerativeModel(new LinearVectorField(Linear), new ModelSpec(Linear));
        Assert.Throws<ArgumentException>(() => Sampler.SampleFrom(model, zeros(3, 2), new SamplingOptions(Method: SamplingMethod.Sde)));
    }

    [Fact]
    public void StartPointsOfTheWrongDimensionAreRejected()
    {
        var model = new GenerativeModel(new LinearVectorField(Linear), new ModelSpec(Linear));
        var error = Assert.Throws<ArgumentException>(() => Sampler.SampleFrom(model, zeros(3, 4), new SamplingOptions()));
        Assert.Contains("(count ≥ 1, 2)", error.Message);
    }
}
