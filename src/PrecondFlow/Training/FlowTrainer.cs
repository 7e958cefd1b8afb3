using System.Diagnostics;
using PrecondFlow.Couplings;
using PrecondFlow.Data;
using PrecondFlow.Devices;
using PrecondFlow.Distributed;
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
    private readonly Generator? fieldGenerator;
    private readonly ICoupling? coupling;
    private readonly List<LossPoint> lossTrace = new();

    /// <param name="field">The network; its weights are trained in place.</param>
    /// <param name="spec">Path and objective (its Field must describe <paramref name="field"/>).</param>
    /// <param name="options">Training settings.</param>
    /// <param name="parallel">Data-parallel training over several processes (each draws the same global minibatch of
    /// <see cref="TrainingOptions.BatchSize"/> rows and computes the loss on its slice), or null for one process.</param>
    /// <exception cref="ArgumentException">The network does not match <paramref name="spec"/>'s Field (the message names
    /// the difference): the saved model could not be rebuilt.</exception>
    public FlowTrainer(VectorField field, ModelSpec spec, TrainingOptions options, DataParallel? parallel = null)
    {
        spec.Validate();
        options.Validate();
        CheckFieldMatchesSpec(field, spec);
        CheckBridge(spec, options);
        Field = field;
        Spec = spec;
        Options = options;
        Path = AffinePath.FromName(spec.Path);
        Device = field.parameters().First().device;
        loop = new TrainingLoop(field.parameters(), LearningRateSchedule.For(options), options.WeightDecay, options.GradientClip,
            options.LogEvery) {
                Parallel = parallel,
                LargestProduct = SmallWorkThreads.LargestProduct(field, options.BatchSize),
                BackwardOnOneDnn = OneDnnBackwardCheck.IsExact(field),
            };
        Parallel = parallel;
        if (parallel is not null)
            parallel.RowsOf(options.BatchSize);   // fails now, naming --batch-size, when the batch is smaller than the world
        generator = new Generator((ulong)options.Seed, Device);
        // A field's own draws (dropout) come from a second stream: data-parallel processes pass different numbers of
        // rows through the network, and must not let that shift the shared minibatch draws.
        if (field is IDrawsWhileTraining)
            fieldGenerator = new Generator((ulong)options.Seed ^ FieldStreamSalt, Device);
        if (options.EmaDecay is { } decay)
            Ema = new ExponentialMovingAverage(field, decay);
        // The independent coupling is no coupling at all: not even an identity re-indexing, so every draw stays as it was.
        coupling = options.CouplingOrDefault.IsIndependent ? null : options.CouplingOrDefault.Create();
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

    /// <summary>The processes this trainer shares its minibatches with, or null for one process.</summary>
    public DataParallel? Parallel { get; }

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
    /// When both <paramref name="source"/> and <paramref name="data"/> have labels, each x₀ is drawn from the source
    /// points of its x₁'s class instead (<see cref="ClassMatchedDraw"/>), and couplings pair only within classes.
    /// <param name="cancellation">Checked before every step; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <param name="couplingView">
    /// The training points (n, d′) as the coupling should see them when <see cref="CouplingOptions.Space"/> is
    /// <see cref="CouplingSpace.Data"/>: row for row the same points before the preconditioner. Null: the coupling's cost
    /// is measured on <paramref name="data"/> itself (the flow's space). Ignored by the independent coupling.
    /// </param>
    /// <param name="sourceCouplingView">
    /// The same for <paramref name="source"/>: row for row the source points before a source-side map (a two-sided
    /// transport), so that a data-space coupling compares both ends in data space. Null: the source points as given.
    /// </param>
    public TrainingResult Train(PointCloud data, int? untilStep = null, IProgress<TrainingProgress>? progress = null,
        Action<int>? callback = null, CancellationToken cancellation = default, PointCloud? source = null, PointCloud? couplingView = null,
        PointCloud? sourceCouplingView = null)
    {
        CheckData(data);
        if (couplingView is not null && couplingView.Count != data.Count)
            throw new ArgumentException(
                $"The coupling's view of the data has {couplingView.Count} points but the data have {data.Count}; give the same points before the preconditioner.",
                nameof(couplingView));
        if (sourceCouplingView is not null && (source is null || sourceCouplingView.Count != source.Count))
            throw new ArgumentException(
                $"The coupling's view of the source has {sourceCouplingView.Count} points but the source has {source?.Count ?? 0}; give the same source points before the source map.",
                nameof(sourceCouplingView));
        int end = Math.Min(untilStep ?? Options.Steps, Options.Steps);
        // Owned by this call: on another device these are whole copies of the data, freed here rather than by the GC.
        using var points = data.Points.to(Field.parameters().First().dtype, Device);
        using var labels = Field.IsConditional ? data.Labels!.to(Device) : null;
        using var sourcePoints = source is null ? null : CheckSource(source).Points.to(points.dtype, Device);
        bool classMatched = source?.Labels is not null && data.Labels is not null;
        using var targetClasses = classMatched ? data.Labels!.to(Device) : null;
        using var sourceClasses = classMatched ? source!.Labels!.to(Device) : null;
        using var classDraw = classMatched ? new ClassMatchedDraw(sourceClasses!, (int)Math.Max(data.NumClasses, targetClasses!.max().item<long>() + 1)) : null;
        using var view = coupling is not null && couplingView is not null && Options.CouplingOrDefault.Space == CouplingSpace.Data
            ? couplingView.Points.to(points.dtype, Device)
            : null;
        using var sourceView = view is not null && sourceCouplingView is not null ? sourceCouplingView.Points.to(points.dtype, Device) : null;
        var batch = new MinibatchSources(points, labels, sourcePoints, targetClasses, sourceClasses, classDraw, view, sourceView);
        var clock = Stopwatch.StartNew();
        Field.train();
        if (Field is IDrawsWhileTraining drawing)
        {
            drawing.TrainingGenerator = fieldGenerator;
            drawing.TrainingRows = Parallel?.RowsOf(Options.BatchSize);
        }
        try
        {
            loop.Run(Step, end, _ => new StepLoss(LossOnMinibatch(batch)),
                afterStep: done =>
                {
                    Ema?.Update();
                    Step = done;
                },
                onWindow: window =>
                {
                    lossTrace.Add(new LossPoint(window.Step, window.Loss));
                    progress?.Report(new TrainingProgress(window.Step, Options.Steps, window.Loss, window.LearningRate, window.GradientNorm));
                    callback?.Invoke(window.Step);
                },
                cancellation);
        }
        finally
        {
            if (Field is IDrawsWhileTraining drawn)
            {
                drawn.TrainingGenerator = null;
                drawn.TrainingRows = null;
            }
        }
        Field.eval();
        Seconds += clock.Elapsed.TotalSeconds;
        return new TrainingResult(lossTrace.ToArray(), Step, Seconds);
    }

    /// <summary>What one minibatch is drawn from (tensors owned by <see cref="Train"/>).</summary>
    private sealed record MinibatchSources(Tensor Points, Tensor? Labels, Tensor? SourcePoints, Tensor? TargetClasses,
        Tensor? SourceClasses, ClassMatchedDraw? ClassDraw, Tensor? CouplingView, Tensor? SourceCouplingView);

    private Tensor LossOnMinibatch(MinibatchSources from)
    {
        var index = randint(from.Points.shape[0], new long[] { Options.BatchSize }, dtype: ScalarType.Int64, device: Device, generator: generator);
        var x1 = from.Points.index_select(0, index);
        Tensor? y = from.Labels?.index_select(0, index);
        if (y is not null && Options.LabelDropout > 0)
        {
            var drop = rand(new long[] { Options.BatchSize }, device: Device, generator: generator) < Options.LabelDropout;
            y = where(drop, full_like(y, Field.NullLabel), y);
        }
        Tensor? y1 = from.TargetClasses?.index_select(0, index);
        Tensor? y0 = null;
        Tensor x0;
        Tensor? x0View = null;
        if (from.SourcePoints is null)
        {
            x0 = randn(x1.shape, dtype: x1.dtype, device: Device, generator: generator);
        }
        else
        {
            var sourceIndex = from.ClassDraw is not null
                ? from.ClassDraw.Draw(y1!, generator)
                : randint(from.SourcePoints.shape[0], new long[] { Options.BatchSize }, dtype: ScalarType.Int64, device: Device, generator: generator);
            x0 = from.SourcePoints.index_select(0, sourceIndex);
            x0View = from.SourceCouplingView?.index_select(0, sourceIndex);
            y0 = from.SourceClasses?.index_select(0, sourceIndex);
        }
        if (coupling is not null)
        {
            var pairs = coupling.Pair(x0View ?? x0, from.CouplingView?.index_select(0, index) ?? x1, y0, y1, generator);
            x0 = x0.index_select(0, pairs.SourceIndex);
            x1 = x1.index_select(0, pairs.TargetIndex);
            y = y?.index_select(0, pairs.TargetIndex);
        }
        var (t, weight) = Options.TimeSampling.Draw(Options.BatchSize, generator, x1.dtype, Device);
        var sample = Path.Sample(x0, x1, t);
        var bridge = Options.BridgeOrDefault;
        if (bridge.IsActive)
            sample = bridge.Apply(sample, randn(x1.shape, dtype: x1.dtype, device: Device, generator: generator));
        if (Parallel is null || Parallel.Communicator.WorldSize == 1)
            return RegressionLoss.Compute(Field, Spec.Objective, sample, y, weight);
        // Every process drew the whole batch above, with the same generator; the network sees this process's rows only.
        var rows = Parallel.RowsOf(x1.shape[0]);
        Tensor Rows(Tensor v) => v.narrow(0, rows.Start, rows.Length);
        var slice = new PathSample(Rows(sample.X0), Rows(sample.X1), Rows(sample.T), Rows(sample.Xt), Rows(sample.Velocity));
        return RegressionLoss.Compute(Field, Spec.Objective, slice, y is null ? null : Rows(y), Rows(weight)) * rows.LossWeight;
    }

    private static void CheckBridge(ModelSpec spec, TrainingOptions options)
    {
        if (!options.BridgeOrDefault.IsActive)
            return;
        if (spec.Objective != Objective.FlowMatching || spec.Path != "linear")
            throw new ArgumentException(
                $"Bridge noise σ > 0 is defined around the straight path: it needs the linear path and the flow-matching objective; this model uses the {spec.Path} path and {spec.Objective}.",
                nameof(options));
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
    /// <param name="folder">A folder written by <see cref="SaveCheckpoint"/>.</param>
    /// <param name="device">Where to continue.</param>
    /// <param name="parallel">The processes to continue on (any number: the random state is the same on each), or null for one.</param>
    public static FlowTrainer LoadCheckpoint(string folder, Device device, DataParallel? parallel = null) => Checkpoint.Load(folder, device, parallel);

    internal TorchSharp.Modules.AdamW Optimizer => loop.Optimizer;
    internal Generator Generator => generator;
    /// <summary>The generator of the field's own training draws (dropout), or null for a field that draws none.</summary>
    internal Generator? FieldGenerator => fieldGenerator;

    // Any fixed odd constant (here 2⁶⁴/φ) makes the field's stream differ from the minibatch stream of the same seed.
    private const ulong FieldStreamSalt = 0x9E3779B97F4A7C15UL;

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
        fieldGenerator?.Dispose();
        Ema?.Dispose();
    }
}
