using System.Diagnostics;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Fields;
using PrecondFlow.IO;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Pipeline;

public class PreconditionedModelTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "precondflow-pipeline-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void WithWhiteningAndAZeroMainFlowTheLikelihoodIsTheExactGaussianDensity()
    {
        // Whitening fitted on N(μ, Σ) data and v ≡ 0 make log p(x) = log N(Σ^(−½)(x − μ)) − ½ log det Σ̂ = log N(x; μ̂, Σ̂),
        // the exact density of the Gaussian with the fitted mean and covariance.
        using var g = new Generator(5);
        var mu = tensor(new[] { 1.0, -2.0, 0.5 }, dtype: float64);
        var l = tensor(new[,] { { 1.0, 0, 0 }, { 0.4, 0.3, 0 }, { -0.2, 0.1, 0.05 } }, dtype: float64);
        var data = new PointCloud(randn(new long[] { 5000, 3 }, dtype: float64, generator: g).matmul(l.T) + mu);
        var whitening = new AffineWhitening(3);
        whitening.Fit(data);
        var config = new FieldConfig(Kind: "linear", Dim: 3);
        var field = new LinearVectorField(config); // W(t) = 0: the main flow is the identity map
        field.to(float64);
        using var model = PreconditionedModel.Compose(whitening, field, new ModelSpec(config));

        var x = data.Points.slice(0, 0, 200, 1);
        var result = model.LogLikelihood(x, solver: new Rk4Solver(4));
        var exact = new TorchSharp.Modules.MultivariateNormal(whitening.Mean, whitening.Covariance).log_prob(x);
        double relative = ((result.LogDensity - exact).abs() / exact.abs()).max().item<double>();
        output.WriteLine($"largest relative difference to the exact Gaussian log-density: {relative:E2}");
        Assert.True(relative < 1e-6, $"largest relative difference {relative:E2}");
        Assert.True(result.Exact);
    }

    [Fact]
    public void ATrainedTwoDimensionalModelsDensityIntegratesToOneOnAGrid()
    {
        var data = ToyDatasets.Create("moons", 4000, seed: 3);
        manual_seed(1);
        var config = new FieldConfig(Dim: 2, Hidden: new[] { 32, 32 });
        using var model = PreconditionedModel.Train(data, new AffineWhitening(2), new MlpVectorField(config), new ModelSpec(config),
            new TrainingOptions(Steps: 300, BatchSize: 256, LearningRate: 3e-3, Seed: 2));

        // A 120 × 120 grid over [−4, 4]² holds all but a negligible part of the mass (the data lie within ±1.5).
        const int n = 120;
        var axis = linspace(-4, 4, n, dtype: float32);
        var grid = stack(meshgrid(new[] { axis, axis }, indexing: "ij").Select(t => t.flatten()).ToArray(), dim: 1);
        var logp = model.LogLikelihood(grid, solver: new DormandPrinceSolver(new AdaptiveOptions(1e-5, 1e-5))).LogDensity;
        double cell = Math.Pow(8.0 / (n - 1), 2);
        double mass = (logp.to(float64).exp().sum() * cell).item<double>();
        output.WriteLine($"∫ p(x) dx on the grid = {mass:F4}");
        Assert.InRange(mass, 0.98, 1.02);
    }

    [Fact]
    public void ALoadedModelFreesTheNetworkItBuiltWhenDisposedAndATrainedOneLeavesItsCallersNetworkAlone()
    {
        var data = ToyDatasets.Create("moons", 500, seed: 2);
        var spec = new ModelSpec(new FieldConfig(Dim: 2, Hidden: [16]));
        using var initial = new Generator(1);
        var field = VectorFields.Create(spec.Field, initial);
        using (var model = PreconditionedModel.Train(data, new AffineWhitening(2), field, spec, new TrainingOptions(Steps: 5, BatchSize: 64)))
            model.Save(folder);
        Assert.False(field.parameters().First().IsInvalid, "the caller's network was freed by the model that trained it");
        field.Dispose();

        var loaded = PreconditionedModel.Load(folder, CPU);
        var weights = loaded.Field.parameters().First();
        loaded.Dispose();
        Assert.True(weights.IsInvalid, "a loaded model left the network it built to the garbage collector");
    }

    [Fact]
    public void APipelineFolderReloadsAsOneModelAndSamplesIdentically()
    {
        var data = ToyDatasets.Create("8gaussians", 2000, seed: 4);
        manual_seed(1);
        var config = new FieldConfig(Dim: 2, NumClasses: 8, Hidden: new[] { 32 });
        var clock = Stopwatch.StartNew();
        using var model = PreconditionedModel.Train(data, new ClassConditionalWhitening(2, 8), new MlpVectorField(config),
            new ModelSpec(config), new TrainingOptions(Steps: 50, BatchSize: 128, Seed: 2));
        var elapsed = clock.Elapsed.TotalSeconds;
        // The stages run one after another inside Train, each on its own clock: each is charged, the fit's share
        // includes the fit's own timing, and together they fit inside the call.
        Assert.True(model.Times is { PreconditionerSeconds: > 0, TransformSeconds: > 0, MainFlowSeconds: > 0 }, $"{model.Times}");
        Assert.True(model.Times.PreconditionerSeconds >= model.PreconditionerFit!.Seconds);
        Assert.True(model.Times.TotalSeconds <= elapsed, $"{model.Times.TotalSeconds} s charged, {elapsed} s spent");
        // What the main flow was trained on is P(x), labels kept; a reloaded model no longer has it.
        var expected = PreconditionedModel.Transform(model.Preconditioner, data);
        Assert.True(model.TrainingTarget!.Points.equal(expected.Points).all().item<bool>());
        Assert.True(model.TrainingTarget.Labels!.equal(data.Labels!).all().item<bool>());
        model.Save(folder);
        using var loaded = PreconditionedModel.Load(folder, CPU);
        Assert.Equal("class-whiten", loaded.Preconditioner.Name);
        Assert.Null(loaded.TrainingTarget);

        var labels = Sampler.BalancedLabels(400, 8, CPU);
        var options = new SamplingOptions(Solver: "rk4", Steps: 10);
        var before = model.Sample(400, options, seed: 3, CPU, labels).Points;
        var after = loaded.Sample(400, options, seed: 3, CPU, labels).Points;
        Assert.True(before.equal(after).all().item<bool>());
    }

    [Fact]
    public void APreconditionerFolderFromANewerVersionIsRejected()
    {
        var data = ToyDatasets.Create("moons", 500, seed: 4);
        var config = new FieldConfig(Dim: 2, Hidden: new[] { 8 });
        using (var model = PreconditionedModel.Train(data, new AffineWhitening(2), new MlpVectorField(config), new ModelSpec(config),
                   new TrainingOptions(Steps: 5, BatchSize: 16)))
            model.Save(folder);
        var file = Path.Combine(folder, "preconditioner", "preconditioner.json");
        File.WriteAllText(file, File.ReadAllText(file).Replace($"\"format_version\": {FolderManifest.CurrentVersion}", "\"format_version\": 7"));
        var error = Assert.Throws<InvalidDataException>(() => PreconditionedModel.Load(folder, CPU));
        Assert.Contains("newer PrecondFlow", error.Message);
    }
}
