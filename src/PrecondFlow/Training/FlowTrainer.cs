using System.Diagnostics;
using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Paths;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// Minibatch AdamW training of a vector field by flow matching or score matching, with warm-up and cosine decay,
/// global-norm clipping, an optional EMA, label dropout for classifier-free guidance, a loss trace, and exact
/// resumption from a checkpoint (weights, optimizer moments, random-number state and step are all restored, so a
/// resumed run ends with the same weights as an uninterrupted one on the CPU).
/// </summary>
public sealed class FlowTrainer : IDisposable
{
    private readonly TorchSharp.Modules.AdamW optimizer;
    private readonly Generator generator;
    private readonly List<LossPoint> lossTrace = new();
    private readonly List<TorchSharp.Modules.Parameter> parameters;

    /// <summary>
    /// Steps between gen-0 garbage collections. TorchSharp turns every double operand (in our arithmetic and inside
    /// its AdamW, about 80 a step for the Table-4 model) into a native at::Scalar that only a finalizer frees, and the
    /// loop allocates so little managed memory that the GC may not run for thousands of steps. Meanwhile those small
    /// native blocks land between the large freed activation blocks of the native heap and keep them from being
    /// reused: resident memory grew from 0.3 GB to 1–9 GB within 1 500 Table-4 steps. A gen-0 collection (about
    /// 0.7 ms) every 10 steps hands them to the finalizer and keeps memory flat, for well under 1% of the step time.
    /// </summary>
    private const int NativeScalarCollectionInterval = 10;

    /// <param name="field">The network; its weights are trained in place.</param>
    /// <param name="spec">Path and objective (its Field must describe <paramref name="field"/>).</param>
    /// <param name="options">Training settings.</param>
    public FlowTrainer(VectorField field, ModelSpec spec, TrainingOptions options)
    {
        spec.Validate();
        options.Validate();
        Field = field;
        Spec = spec;
        Options = options;
        Path = AffinePath.FromName(spec.Path);
        Device = field.parameters().First().device;
        parameters = field.parameters().ToList();
        optimizer = optim.AdamW(parameters, lr: options.LearningRate, weight_decay: options.WeightDecay);
        generator = new Generator((ulong)options.Seed, Device);
        if (options.EmaDecay is { } decay)
            Ema = new ExponentialMovingAverage(field, decay);
    }

    public VectorField Field { get; }
    public ModelSpec Spec { get; }
    public TrainingOptions Options { get; }
    public AffinePath Path { get; }
    public Device Device { get; }
    public ExponentialMovingAverage? Ema { get; }

    /// <summary>Optimizer steps done so far (also after resuming).</summary>
    public int Step { get; private set; }

    /// <summary>Wall-clock seconds spent in <see cref="Train"/>, summed over resumptions.</summary>
    public double Seconds { get; private set; }

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
        using var lossSum = zeros(1, device: Device, dtype: ScalarType.Float64);
        int windowStart = Step;
        while (Step < end)
        {
            cancellation.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = LearningRateSchedule.At(Step, Options);
                var loss = LossOnMinibatch(points, labels, sourcePoints);
                optimizer.zero_grad();
                loss.backward();
                if (Options.GradientClip is { } clip)
                    GradientClipping.ClipByGlobalNorm(parameters, clip);
                optimizer.step();
                Ema?.Update();
                lossSum.add_(loss.detach().to(ScalarType.Float64));
            }
            Step++;
            if (Step % NativeScalarCollectionInterval == 0)
                GC.Collect(0);
            if (Step % Options.LogEvery == 0 || Step == end)
            {
                // The only host read of the loop: once per logging window.
                double mean = lossSum.item<double>() / (Step - windowStart);
                using (NewDisposeScope())
                    lossSum.zero_();   // TorchSharp hands back a second handle to lossSum; release it now
                windowStart = Step;
                lossTrace.Add(new LossPoint(Step, mean));
                if (!double.IsFinite(mean))
                    throw new InvalidOperationException(
                        $"The training loss became {mean} at step {Step}: lower the learning rate or check the data for extreme values.");
                progress?.Report(new TrainingProgress(Step, Options.Steps, mean));
                callback?.Invoke(Step);
            }
        }
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

    internal TorchSharp.Modules.AdamW Optimizer => optimizer;
    internal Generator Generator => generator;

    internal void Restore(int step, double seconds, IEnumerable<LossPoint> trace)
    {
        Step = step;
        Seconds = seconds;
        lossTrace.Clear();
        lossTrace.AddRange(trace);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        generator.Dispose();
        Ema?.Dispose();
    }
}
