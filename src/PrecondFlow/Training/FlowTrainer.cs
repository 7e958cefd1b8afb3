using System.Diagnostics;
using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Paths;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// Minibatch AdamW training of a vector field by flow matching or score matching on the library's
/// <see cref="TrainingLoop"/> (warm-up and cosine decay, global-norm clipping), with an optional EMA, label dropout for classifier-free guidance, a loss trace, and exact
/// resumption from a checkpoint (weights, optimizer moments, random-number state and step are all restored, so a
/// resumed run ends with the same weights as an uninterrupted one on the CPU).
/// </summary>
public sealed class FlowTrainer : IDisposable
{
    private readonly TrainingLoop loop;
    private readonly Generator generator;
    private readonly List<LossPoint> lossTrace = new();

    /// <param name="field">The network; its weights are trained in place.</param>
    /// <param name="spec">Path and objective (its Field must describe <paramref name="field"/>).</param>
    /// <param name="options">Training settings.</param>
    /// <exception cref="ArgumentException">The network does not match <paramref name="spec"/>'s Field (the message names
    /// the difference): the saved model could not be rebuilt.</exception>
    public FlowTrainer(VectorField field, ModelSpec spec, TrainingOptions options)
    {
        spec.Validate();
        options.Validate();
        CheckFieldMatchesSpec(field, spec);
        Field = field;
        Spec = spec;
        Options = options;
        Path = AffinePath.FromName(spec.Path);
        Device = field.parameters().First().device;
        loop = new TrainingLoop(field.parameters(), LearningRateSchedule.For(options), options.WeightDecay, options.GradientClip,
            options.LogEvery);
        generator = new Generator((ulong)options.Seed, Device);
        if (options.EmaDecay is { } decay)
            Ema = new ExponentialMovingAverage(field, decay);
    }

    /// <summary>The trained network (weights updated in place).</summary>
    public VectorField Field { get; }
    /// <summary>Path and objective.</summary>
    public ModelSpec Spec { get; }
    /// <summary>The training settings (validated).</summary>
    public TrainingOptions Options { get; }
    /// <summary>The affine path named by <see cref="ModelSpec.Path"/>.</summary>
    public AffinePath Path { get; }
    /// <summary>The device of the field's parameters, where every minibatch is drawn.</summary>
    public Device Device { get; }
    /// <summary>The EMA of the weights when <see cref="TrainingOptions.EmaDecay"/> is set; else null.</summary>
    public ExponentialMovingAverage? Ema { get; }

    /// <summary>Optimizer steps done so far (also after resuming).</summary>
    public int Step { get; private set; }

    /// <summary>Wall-clock seconds spent in <see cref="Train"/>, summed over resumptions.</summary>
    public double Seconds { get; private set; }

    /// <summary>The mean loss of each logging window so far (one point every LogEvery steps and at the last).</summary>
    public IReadOnlyList<LossPoint> LossTrace => lossTrace;

    /// <summary>The field to sample with: the EMA average when there is one, else the trained field.</summary>
    public VectorField SamplingField => Ema?.Average ?? Field;

    /// <summary>Trains on <paramref name="data"/> until <paramref name="untilStep"/> (default: all planned steps).</summary>
    /// <param name="data">Training points (n, dim) with labels when the field is conditional.</param>
    /// <param name="untilStep">Stop after this many steps in total (to checkpoint part-way).</param>
    /// <param name="progress">Receives a report every LogEvery steps.</param>
    /// <param name="callback">Called every LogEvery steps with the step count (e.g. for diagnostics).</param>
    /// <param name="source">
    /// Optional start points (n₀, dim) for transport between two data sets: each minibatch then draws its x₀ from
    /// these points, uniformly with replacement and independently of x₁ (the independent coupling), with the same
    /// generator, instead of x₀ ~ N(0, I). The field then carries the law of <paramref name="source"/> to that of
    /// <paramref name="data"/>; sample it from given points with <see cref="Sampling.Sampler.SampleFrom"/>. Flow
    /// matching only (the score target −ε/σ_t assumes Gaussian x₀). Null, the default, changes nothing: the random
    /// draws are exactly those of training without it. Pass it again when resuming.
    /// </param>
    /// <param name="cancellation">Checked before every step; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public TrainingResult Train(PointCloud data, int? untilStep = null, IProgress<TrainingProgress>? progress = null,
        Action<int>? callback = null, CancellationToken cancellation = default, PointCloud? source = null)
    {
        CheckData(data);
        int end = Math.Min(untilStep ?? Options.Steps, Options.Steps);
        // Owned by this call: on another device these are whole copies of the data, freed here rather than by the GC.
        using var points = data.Points.to(Field.parameters().First().dtype, Device);
        using var labels = Field.IsConditional ? data.Labels!.to(Device) : null;
        using var sourcePoints = source is null ? null : CheckSource(source).Points.to(points.dtype, Device);
        var clock = Stopwatch.StartNew();
        Field.train();
        loop.Run(Step, end, _ => new StepLoss(LossOnMinibatch(points, labels, sourcePoints)),
            afterStep: done =>
            {
                Ema?.Update();
                Step = done;
            },
            onWindow: window =>
            {
                lossTrace.Add(new LossPoint(window.Step, window.Loss));
                progress?.Report(new TrainingProgress(window.Step, Options.Steps, window.Loss));
                callback?.Invoke(window.Step);
            },
            cancellation);
        Field.eval();
        Seconds += clock.Elapsed.TotalSeconds;
        return new TrainingResult(lossTrace.ToArray(), Step, Seconds);
    }

    private Tensor LossOnMinibatch(Tensor points, Tensor? labels, Tensor? sourcePoints)
    {
        var index = randint(points.shape[0], new long[] { Options.BatchSize }, dtype: ScalarType.Int64, device: Device, generator: generator);
        var x1 = points.index_select(0, index);
        Tensor? y = labels?.index_select(0, index);
        if (y is not null && Options.LabelDropout > 0)
        {
            var drop = rand(new long[] { Options.BatchSize }, device: Device, generator: generator) < Options.LabelDropout;
            y = where(drop, full_like(y, Field.NullLabel), y);
        }
        var x0 = sourcePoints is null
            ? randn(x1.shape, dtype: x1.dtype, device: Device, generator: generator)
            : sourcePoints.index_select(0, randint(sourcePoints.shape[0], new long[] { Options.BatchSize }, dtype: ScalarType.Int64,
                device: Device, generator: generator));
        var (t, weight) = Options.TimeSampling.Draw(Options.BatchSize, generator, x1.dtype, Device);
        var sample = Path.Sample(x0, x1, t);
        return RegressionLoss.Compute(Field, Spec.Objective, sample, y, weight);
    }

    private static void CheckFieldMatchesSpec(VectorField field, ModelSpec spec)
    {
        var differences = new List<string>();
        if (field.Dim != spec.Field.Dim)
            differences.Add($"Dim: network {field.Dim}, spec {spec.Field.Dim}");
        if (field.NumClasses != spec.Field.NumClasses)
            differences.Add($"NumClasses: network {field.NumClasses}, spec {spec.Field.NumClasses}");
        if (differences.Count == 0 && VectorFields.TryConfigOf(field) is { } config)
            differences.AddRange(config.DifferencesFrom(spec.Field));
        if (differences.Count > 0)
            throw new ArgumentException(
                $"The network does not match the model spec ({string.Join("; ", differences)}); the saved model could not be rebuilt. " +
                "Build the network from spec.Field (VectorFields.Create).", nameof(spec));
    }

    private void CheckData(PointCloud data)
    {
        if (data.Count == 0)
            throw new ArgumentException("The training data are empty.", nameof(data));
        if (data.Dim != Field.Dim)
            throw new ArgumentException($"The data have {data.Dim} dimensions but the field expects {Field.Dim}.", nameof(data));
        if (Field.IsConditional && data.Labels is null)
            throw new ArgumentException($"The field is conditioned on {Field.NumClasses} classes but the data have no labels.", nameof(data));
        if (Field.IsConditional && data.NumClasses > Field.NumClasses)
            throw new ArgumentException($"The data have {data.NumClasses} classes but the field was built for {Field.NumClasses}.", nameof(data));
    }

    private PointCloud CheckSource(PointCloud source)
    {
        if (Spec.Objective != Objective.FlowMatching)
            throw new ArgumentException(
                $"Training from source points needs the flow-matching objective; this model uses {Spec.Objective}, whose target assumes x₀ ~ N(0, I).",
                nameof(source));
        if (source.Count == 0)
            throw new ArgumentException("The source points are empty; give at least one start point, or no source for x₀ ~ N(0, I).", nameof(source));
        if (source.Dim != Field.Dim)
            throw new ArgumentException($"The source points have {source.Dim} dimensions but the field expects {Field.Dim}.", nameof(source));
        return source;
    }

    /// <summary>Saves weights, EMA, optimizer state, random-number state, step and loss trace to a folder (atomically).</summary>
    public void SaveCheckpoint(string folder) => Checkpoint.Save(folder, this);

    /// <summary>Rebuilds a trainer from a checkpoint folder, ready to continue.</summary>
    public static FlowTrainer LoadCheckpoint(string folder, Device device) => Checkpoint.Load(folder, device);

    internal TorchSharp.Modules.AdamW Optimizer => loop.Optimizer;
    internal Generator Generator => generator;

    internal void Restore(int step, double seconds, IEnumerable<LossPoint> trace)
    {
        Step = step;
        Seconds = seconds;
        if (Ema is not null)
            Ema.Updates = step;   // one EMA update per step: its warm-up continues where it stopped
        lossTrace.Clear();
        lossTrace.AddRange(trace);
    }

    /// <summary>Releases the optimizer, the generator and the EMA; the field belongs to the caller.</summary>
    public void Dispose()
    {
        loop.Dispose();
        generator.Dispose();
        Ema?.Dispose();
    }
}
