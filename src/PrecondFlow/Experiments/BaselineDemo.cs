using System.Diagnostics;
using PrecondFlow.Data.Toy;
using PrecondFlow.Fields;
using PrecondFlow.Metrics;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments;

/// <summary>The outcome of the demo: training trace, samples, timings and sample quality against held-out data.</summary>
public sealed record DemoResult(
    DemoOptions Options,
    ModelSpec Model,
    TrainingOptions Training,
    string Device,
    IReadOnlyList<LossPoint> LossTrace,
    double TrainSeconds,
    double SampleSeconds,
    int FunctionEvaluations,
    double SlicedWasserstein,
    double Mmd,
    Tensor HeldOut,
    Tensor Samples,
    IReadOnlyList<Tensor> Trajectory);

/// <summary>
/// `precondflow demo`: baseline flow matching on a 2D data set — train, sample with an ODE solver, and measure the
/// samples against held-out data with the sliced Wasserstein distance and MMD.
/// </summary>
public static class BaselineDemo
{
    public static DemoResult Run(DemoOptions options, Device device, IProgress<TrainingProgress>? progress = null)
    {
        torch.manual_seed(options.Seed);
        var train = ToyDatasets.Create(options.Dataset, options.TrainCount, options.Seed);
        var heldOut = ToyDatasets.Create(options.Dataset, options.TestCount, options.Seed + 1_000_003);
        var spec = new ModelSpec(new FieldConfig(Dim: train.Dim, Hidden: options.HiddenWidths), "linear", Objective.FlowMatching);
        var training = new TrainingOptions(Steps: options.Steps, BatchSize: options.BatchSize, LearningRate: options.LearningRate,
            WarmupSteps: options.Steps / 50, LogEvery: 25, Seed: options.Seed);
        var field = VectorFields.Create(spec.Field);
        field.to(device);
        using var trainer = new FlowTrainer(field, spec, training);
        trainer.Train(train, progress: progress);

        var clock = Stopwatch.StartNew();
        var model = new GenerativeModel(trainer.SamplingField, spec);
        var samples = Sampler.Sample(model, options.SampleCount, new SamplingOptions(Solver: options.Solver, Steps: options.SolverSteps, KeepTrajectory: true),
            options.Seed + 7, device);
        double sampleSeconds = clock.Elapsed.TotalSeconds;
        var points = samples.Points.cpu();
        var sw = SlicedWasserstein.Compute(points, heldOut.Points, order: 2, seed: options.Seed);
        var mmd = MaximumMeanDiscrepancy.Compute(points, heldOut.Points, seed: options.Seed).Value;
        return new DemoResult(options, spec, training, device.ToString(), trainer.LossTrace, trainer.Seconds, sampleSeconds,
            samples.FunctionEvaluations, sw, mmd, heldOut.Points, points,
            samples.Trajectory?.Select(t => t.cpu()).ToArray() ?? Array.Empty<Tensor>());
    }
}
