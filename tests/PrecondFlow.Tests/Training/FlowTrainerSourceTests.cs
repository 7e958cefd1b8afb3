using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

/// <summary>Training a flow between two data sets: x₀ drawn from given source points instead of N(0, I).</summary>
public class FlowTrainerSourceTests
{
    private static readonly FieldConfig Mlp = new(Dim: 2, Hidden: [32, 32]);

    private static PointCloud Gaussian(long count, double x, double y, double std, long seed)
    {
        using var g = new Generator((ulong)seed);
        return new PointCloud(randn(count, 2, generator: g) * std + tensor(new[] { (float)x, (float)y }));
    }

    [Fact]
    public void AFlowTrainedFromSourcePointsCarriesTheSourceToTheTarget()
    {
        var source = Gaussian(4000, -2, 0, 0.5, seed: 1);
        var target = Gaussian(4000, 2, 1, 0.5, seed: 2);
        manual_seed(3);
        var spec = new ModelSpec(Mlp);
        using var trainer = new FlowTrainer(new MlpVectorField(Mlp), spec,
            new TrainingOptions(Steps: 400, BatchSize: 256, LearningRate: 5e-3, Seed: 4));
        trainer.Train(target, source: source);

        var start = Gaussian(2000, -2, 0, 0.5, seed: 5).Points;
        var end = Sampler.SampleFrom(new GenerativeModel(trainer.SamplingField, spec), start, new SamplingOptions(Solver: "rk4", Steps: 20)).Points;
        var mean = end.mean([0]);
        var std = end.std(0);
        // The start points sit 4.1 away from the target mean; a flow that ignored the source (starting from N(0, I)) or did
        // not learn would miss by more than 1. 0.15 leaves room for a 400-step MLP; the spread (0.5) to within 0.15 too.
        Assert.True((mean - tensor(new[] { 2f, 1f })).abs().max().item<float>() < 0.15f, $"mean of the transported points {string.Join(", ", mean.data<float>().ToArray())}");
        Assert.True((std - 0.5f).abs().max().item<float>() < 0.15f, $"spread of the transported points {string.Join(", ", std.data<float>().ToArray())}");
    }

    [Fact]
    public void SourcePointsNeedTheFlowMatchingObjective()
    {
        var spec = new ModelSpec(Mlp, Objective: Objective.ScoreMatching);
        using var trainer = new FlowTrainer(new MlpVectorField(Mlp), spec, new TrainingOptions(Steps: 2, BatchSize: 8));
        var error = Assert.Throws<ArgumentException>(() => trainer.Train(Gaussian(20, 0, 0, 1, 1), source: Gaussian(20, 1, 1, 1, 2)));
        Assert.Contains("flow-matching objective", error.Message);
    }

    [Fact]
    public void SourcePointsMustHaveTheFieldsDimension()
    {
        using var trainer = new FlowTrainer(new MlpVectorField(Mlp), new ModelSpec(Mlp), new TrainingOptions(Steps: 2, BatchSize: 8));
        var error = Assert.Throws<ArgumentException>(() =>
            trainer.Train(Gaussian(20, 0, 0, 1, 1), source: new PointCloud(zeros(20, 3))));
        Assert.Contains("3 dimensions", error.Message);
    }
}
