using PrecondFlow.Couplings;
using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Paths;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

/// <summary>The trainer with a coupling, bridge noise and labelled sources.</summary>
public class FlowTrainerCouplingTests
{
    private static readonly FieldConfig Mlp = new(Dim: 2, Hidden: [32, 32]);

    private static PointCloud Gaussian(long count, double x, double y, double std, long seed)
    {
        using var g = new Generator((ulong)seed);
        return new PointCloud(randn(count, 2, generator: g) * std + tensor(new[] { (float)x, (float)y }));
    }

    private static float[] TrainedWeights(TrainingOptions options, PointCloud? source = null)
    {
        using var g = new Generator(11);
        var field = VectorFields.Create(Mlp, g);
        using var trainer = new FlowTrainer(field, new ModelSpec(Mlp), options);
        trainer.Train(Gaussian(500, 2, 1, 0.5, seed: 1), source: source);
        return field.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray()).ToArray();
    }

    [Fact]
    public void TheIndependentCouplingWithoutNoiseChangesNoNumber()
    {
        var plain = new TrainingOptions(Steps: 30, BatchSize: 64, Seed: 5);
        var spelledOut = plain with { Coupling = new CouplingOptions("independent", SinkhornEpsilon: 0.3), Bridge = new BridgeNoise(0, BridgeKind.Schrodinger) };
        Assert.Equal(TrainedWeights(plain), TrainedWeights(spelledOut));
        var source = Gaussian(300, -2, 0, 0.5, seed: 2);
        Assert.Equal(TrainedWeights(plain, source), TrainedWeights(spelledOut, source));
        // And the comparison can fail: the OT coupling changes the weights.
        Assert.NotEqual(TrainedWeights(plain), TrainedWeights(plain with { Coupling = new CouplingOptions("ot") }));
    }

    [Theory]
    [InlineData("ot")]
    [InlineData("sinkhorn")]
    public void ACoupledRunIsReproducibleFromItsSeed(string name)
    {
        var options = new TrainingOptions(Steps: 20, BatchSize: 32, Seed: 6, Coupling: new CouplingOptions(name), Bridge: new BridgeNoise(0.1));
        Assert.Equal(TrainedWeights(options), TrainedWeights(options));
    }

    [Fact]
    public void OtPairingStraightensTheLearnedFlow()
    {
        // Between two well-separated Gaussians OT pairs make nearly parallel straight paths: with two Euler steps the
        // OT-trained flow lands much closer to where its own 100-step RK4 solution lands than the independent one.
        var source = Gaussian(4000, -2, 0, 1.0, seed: 1);
        var target = Gaussian(4000, 2, 1, 0.3, seed: 2);
        double Gap(string coupling)
        {
            using var g = new Generator(3);
            var spec = new ModelSpec(Mlp);
            using var trainer = new FlowTrainer(VectorFields.Create(Mlp, g), spec,
                new TrainingOptions(Steps: 600, BatchSize: 256, LearningRate: 5e-3, Seed: 4, Coupling: new CouplingOptions(coupling)));
            trainer.Train(target, source: source);
            var model = new GenerativeModel(trainer.SamplingField, spec);
            var start = Gaussian(1000, -2, 0, 1.0, seed: 5).Points;
            var coarse = Sampler.SampleFrom(model, start, new SamplingOptions(Solver: "euler", Steps: 2)).Points;
            var fine = Sampler.SampleFrom(model, start, new SamplingOptions(Solver: "rk4", Steps: 100)).Points;
            return (coarse - fine).square().sum(1).sqrt().mean().item<float>();
        }
        double independent = Gap("independent"), ot = Gap("ot");
        Assert.True(ot < 0.5 * independent, $"mean 2-step Euler error: OT {ot:G3}, independent {independent:G3}");
    }

    [Fact]
    public void BridgeNoiseNeedsTheLinearPathAndFlowMatching()
    {
        var error = Assert.Throws<ArgumentException>(() => new FlowTrainer(new MlpVectorField(Mlp), new ModelSpec(Mlp, Path: "vp"),
            new TrainingOptions(Steps: 2, Bridge: new BridgeNoise(0.1))));
        Assert.Contains("linear path", error.Message);
    }

    [Fact]
    public void ALabelledSourceIsPairedWithinClasses()
    {
        // Source class 0 on the left, class 1 on the right; the target swaps them (class 0 right, class 1 left). With
        // class-matched pairs the flow for label 0 comes only from source class 0, so running it backwards from target
        // class 0 lands on the left; with pairs drawn across classes, about half would land on the right.
        var labelled = new FieldConfig(Dim: 2, NumClasses: 2, Hidden: [64, 64]);
        PointCloud TwoClasses(double left, double right, long seed)
        {
            var a = Gaussian(1000, left, 0, 0.3, seed);
            var b = Gaussian(1000, right, 0, 0.3, seed + 100);
            return new PointCloud(cat(new[] { a.Points, b.Points }), cat(new[] { zeros(1000, dtype: ScalarType.Int64), ones(1000, dtype: ScalarType.Int64) }), 2);
        }
        var source = TwoClasses(-3, 3, seed: 1);
        var target = TwoClasses(3, -3, seed: 2);
        using var g = new Generator(3);
        var spec = new ModelSpec(labelled);
        using var trainer = new FlowTrainer(VectorFields.Create(labelled, g), spec,
            new TrainingOptions(Steps: 500, BatchSize: 256, LearningRate: 5e-3, Seed: 4, Coupling: new CouplingOptions("ot")));
        trainer.Train(target, source: source);
        var classZeroOfTheTarget = Gaussian(500, 3, 0, 0.3, seed: 9).Points;
        var start = Sampler.Encode(new GenerativeModel(trainer.SamplingField, spec), classZeroOfTheTarget, new SamplingOptions(Solver: "rk4", Steps: 50),
            zeros(500, dtype: ScalarType.Int64)).Points;
        // 95 % within 1.5 of x = −3 leaves room for a small MLP's error; mixed pairs would put ~50 % near x = +3.
        double near = (start.select(1, 0) + 3).abs().lt(1.5).to(ScalarType.Float32).mean().item<float>();
        Assert.True(near > 0.95, $"fraction of target class 0 traced back to source class 0: {near:P1}");
    }
}
