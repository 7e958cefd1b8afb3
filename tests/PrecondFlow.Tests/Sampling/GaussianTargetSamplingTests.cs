using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Sampling;

/// <summary>
/// End to end: an MLP trained on a 2D Gaussian target must produce samples with the target's mean and covariance,
/// by the flow's ODE, by the probability-flow ODE of a score model and by its reverse SDE.
/// </summary>
public class GaussianTargetSamplingTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly double[] Mean = { 1.0, -0.5 };
    private static readonly double[,] Cov = { { 0.6, 0.25 }, { 0.25, 0.3 } };
    private const int SampleCount = 20_000;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "precondflow-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    private static PointCloud Target(long n)
    {
        using var g = new Generator(21);
        var l = linalg.cholesky(tensor(Cov, dtype: float64));
        var x = randn(new[] { n, 2L }, dtype: float64, generator: g).matmul(l.T) + tensor(Mean, dtype: float64);
        return new PointCloud(x.to(float32));
    }

    private static FlowTrainer Train(Objective objective, string path = "linear")
    {
        manual_seed(3);
        var config = new FieldConfig(Dim: 2, Hidden: new[] { 64, 64 });
        var trainer = new FlowTrainer(new MlpVectorField(config), new ModelSpec(config, path, objective),
            new TrainingOptions(Steps: 1500, BatchSize: 512, LearningRate: 3e-3, Seed: 4));
        trainer.Train(Target(50_000));
        return trainer;
    }

    private void AssertMatchesTarget(Tensor samples, string what)
    {
        var x = samples.to(float64);
        var mean = x.mean(new long[] { 0 });
        var centred = x - mean;
        var cov = centred.T.matmul(centred) / (x.shape[0] - 1);
        // Sampling error of 20k points is ≈ 0.005 for the mean and ≈ 1% for the covariance; a small MLP trained for
        // 1500 steps adds a few percent of model error. The bounds (0.05 absolute, 10% relative) leave room for that
        // and still catch a wrong sign, scale or path convention, which give errors of order 1.
        double meanError = (mean - tensor(Mean, dtype: float64)).norm().item<double>();
        double covError = (cov - tensor(Cov, dtype: float64)).norm().item<double>() / tensor(Cov, dtype: float64).norm().item<double>();
        output.WriteLine($"{what}: mean error {meanError:F4}, relative covariance error {covError:F4}");
        Assert.True(meanError < 0.05, $"{what}: mean error {meanError:F4}");
        Assert.True(covError < 0.10, $"{what}: relative covariance error {covError:F4}");
    }

    [Fact]
    public void AFlowMatchingMlpReproducesTheTargetMeanAndCovariance()
    {
        using var trainer = Train(Objective.FlowMatching);
        var model = new GenerativeModel(trainer.Field, trainer.Spec);
        var result = Sampler.Sample(model, SampleCount, new SamplingOptions(Solver: "rk4", Steps: 50), seed: 9, CPU);
        AssertMatchesTarget(result.Points, "flow matching, rk4");
        Assert.Equal(200, result.FunctionEvaluations);
    }

    [Fact]
    public void AScoreModelsProbabilityFlowOdeAndReverseSdeReproduceTheTarget()
    {
        using var trainer = Train(Objective.ScoreMatching, path: "vp");
        var model = new GenerativeModel(trainer.Field, trainer.Spec);
        var ode = Sampler.Sample(model, SampleCount, new SamplingOptions(Solver: "dopri5"), seed: 9, CPU);
        AssertMatchesTarget(ode.Points, "score matching, probability-flow ODE");
        var sde = Sampler.Sample(model, SampleCount, new SamplingOptions(Method: SamplingMethod.Sde, Steps: 500), seed: 9, CPU);
        AssertMatchesTarget(sde.Points, "score matching, reverse SDE");
    }

    [Fact]
    public void AReloadedCheckpointGivesIdenticalSamples()
    {
        using var trainer = Train(Objective.FlowMatching);
        trainer.SaveCheckpoint(folder);
        var options = new SamplingOptions(Solver: "heun", Steps: 20);
        var before = Sampler.Sample(new GenerativeModel(trainer.Field, trainer.Spec), 1000, options, seed: 5, CPU).Points;
        var (field, manifest) = Checkpoint.LoadField(folder, CPU);
        var after = Sampler.Sample(new GenerativeModel(field, manifest.Model), 1000, options, seed: 5, CPU).Points;
        Assert.True(before.equal(after).all().item<bool>());
    }
}
