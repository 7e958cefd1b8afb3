using PrecondFlow.Data.Toy;
using PrecondFlow.Fields;
using PrecondFlow.Metrics;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments;

/// <summary>One arm of the demo: a preconditioner (or none), its main flow, its samples and their quality.</summary>
public sealed record DemoArm(
    string Preconditioner,
    IReadOnlyList<LossPoint> LossTrace,
    PipelineTimes Times,
    double SampleSeconds,
    int FunctionEvaluations,
    double SlicedWasserstein,
    double Mmd,
    Tensor Samples,
    IReadOnlyList<Tensor> Trajectory);

/// <summary>The outcome of the demo: the baseline and the preconditioned arm, trained and sampled alike.</summary>
public sealed record DemoResult(DemoOptions Options, ModelSpec Model, TrainingOptions Training, string Device, Tensor HeldOut,
    IReadOnlyList<DemoArm> Arms)
{
    public DemoArm Baseline => Arms[0];
}

/// <summary>
/// `precondflow demo`: flow matching on a 2D data set without and with a preconditioner — the same main network,
/// optimizer, steps, batch and seed for both arms — sampled with an ODE solver and measured against held-out data
/// (sliced Wasserstein distance and MMD).
/// </summary>
public static class BaselineDemo
{
    /// <param name="stageProgress">Creates a progress reporter for each named stage (total steps given).</param>
    public static DemoResult Run(DemoOptions options, Device device, Func<string, int, IProgress<TrainingProgress>?>? stageProgress = null)
    {
        var train = ToyDatasets.Create(options.Dataset, options.TrainCount, options.Seed);
        var heldOut = ToyDatasets.Create(options.Dataset, options.TestCount, options.Seed + 1_000_003);
        var spec = new ModelSpec(new FieldConfig(Dim: train.Dim, Hidden: options.HiddenWidths), "linear", Objective.FlowMatching);
        var training = new TrainingOptions(Steps: options.Steps, BatchSize: options.BatchSize, LearningRate: options.LearningRate,
            WarmupSteps: options.Steps / 50, LogEvery: 25, Seed: options.Seed);
        var arms = new List<DemoArm>();
        foreach (var name in new[] { "none", options.Preconditioner }.Distinct())
        {
            VectorField field;
            using (var generator = new torch.Generator(unchecked((ulong)options.Seed)))
                field = VectorFields.Create(spec.Field, generator);   // the same initial weights in every arm
            field.to(device);
            var preconditioner = PreconditionerFactory.Create(name, train.Dim, 0);
            var fitProgress = name == "none" ? null : stageProgress?.Invoke($"preconditioner {name}", 1);
            using var model = PreconditionedModel.Train(train with { Labels = null, NumClasses = 0 }, preconditioner, field, spec, training,
                fitProgress is null ? null : new Progress<PreconditionerProgress>(p => fitProgress.Report(new TrainingProgress(1, 1, p.Loss))),
                stageProgress?.Invoke(name == "none" ? "flow matching, no preconditioner" : $"flow matching on P(x), {name}", options.Steps));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var samples = model.Sample(options.SampleCount, new SamplingOptions(Solver: options.Solver, Steps: options.SolverSteps, KeepTrajectory: true),
                options.Seed + 7, device);
            double sampleSeconds = clock.Elapsed.TotalSeconds;
            var points = samples.Points.cpu();
            arms.Add(new DemoArm(name, model.Trainer!.LossTrace, model.Times, sampleSeconds, samples.FunctionEvaluations,
                SlicedWasserstein.Compute(points, heldOut.Points, order: 2, seed: options.Seed),
                MaximumMeanDiscrepancy.Compute(points, heldOut.Points, seed: options.Seed).Value,
                points, samples.Trajectory?.Select(t => t.cpu()).ToArray() ?? Array.Empty<Tensor>()));
        }
        return new DemoResult(options, spec, training, device.ToString(), heldOut.Points, arms);
    }
}
