using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Solvers;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Pipeline;

/// <summary>What <see cref="PreconditionedModel.LogLikelihood"/> reports about its own accuracy, and the dtypes it accepts.</summary>
public class PreconditionedModelLikelihoodTests
{
    private static PointCloud Data(long n, int dim, long seed)
    {
        using var g = new Generator((ulong)seed);
        return new PointCloud(randn(new[] { n, (long)dim }, dtype: float32, generator: g) * 2 + 1);
    }

    /// <summary>Whitening and an untrained MLP main flow (float32): any fixed smooth field will do.</summary>
    private static PreconditionedModel Model(int dim, IPreconditioner? preconditioner = null)
    {
        if (preconditioner is null)
        {
            var whitening = new AffineWhitening(dim);
            whitening.Fit(Data(500, dim, 1));
            preconditioner = whitening;
        }
        manual_seed(3);
        var config = new FieldConfig(Dim: dim, Hidden: new[] { 16 });
        return PreconditionedModel.Compose(preconditioner, new MlpVectorField(config), new ModelSpec(config));
    }

    [Fact]
    public void AOneProbeHutchinsonLikelihoodIsNotCalledExact()
    {
        using var model = Model(3);
        var x = Data(20, 3, 2).Points;
        var result = model.LogLikelihood(x, solver: new Rk4Solver(4),
            options: new LogDensityOptions(Method: DivergenceMethod.Hutchinson, Probes: 1));
        Assert.Null(result.StandardError);   // one probe has no spread to estimate an error from …
        Assert.False(result.Exact);          // … but the divergence integral is still an estimate
    }

    [Fact]
    public void ALikelihoodThroughAChainHoldingAHutchinsonFlowPreconditionerIsAnEstimateWithAnError()
    {
        const int dim = 3;
        var data = Data(600, dim, 4);
        var chain = new PreconditionerChain(new AffineWhitening(dim),
            new FlowPreconditioner(dim, new FlowPreconditionerOptions(Steps: 20, Solver: "rk4", SolverSteps: 4,
                HutchinsonProbes: 4, ExactLogDetUpToDimension: 2)));
        Assert.True(chain.Fit(data, seed: 1).Passed);
        using var model = Model(dim, chain);
        var result = model.LogLikelihood(data.Points.slice(0, 0, 20, 1), solver: new Rk4Solver(4));
        Assert.False(result.Exact);
        Assert.NotNull(result.StandardError);   // the flow member's Hutchinson error, carried through the chain
        Assert.True(result.MeanStandardError > 0);
    }

    [Fact]
    public void Float64PointsOnAFloat32ModelGiveTheFloat32Likelihood()
    {
        using var model = Model(2);
        var x32 = Data(50, 2, 5).Points;
        var x64 = x32.to(float64);
        var solver = new Rk4Solver(8);
        var from32 = model.LogLikelihood(x32, solver: solver).LogDensity;
        var from64 = model.LogLikelihood(x64, solver: solver).LogDensity;
        // The model computes in float32 whatever it is given: agreement to float32 accuracy (≈ 1e-7 relative per operation,
        // a few hundred operations through the solver), far below the ≈ 1 spread of log p over the points.
        double difference = (from64.to(float64) - from32.to(float64)).abs().max().item<double>();
        Assert.True(difference < 1e-4, $"largest difference {difference:E2}");
        Assert.True(from32.std().item<float>() > 0.1, "log p must vary over the points for the comparison to mean something");
    }
}
