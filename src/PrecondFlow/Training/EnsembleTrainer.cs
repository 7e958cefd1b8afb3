using System.Diagnostics;
using PrecondFlow.Data;
using PrecondFlow.Devices;
using PrecondFlow.Fields;
using PrecondFlow.Paths;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// Trains the K members of an <see cref="EnsembleMlpField"/> at once, each as a <see cref="FlowTrainer"/> with its own
/// <see cref="TrainingOptions"/> would train it alone: member k draws its minibatches from its own generator seeded with
/// its options' Seed, in FlowTrainer's order (index, label dropout, x₀, times), and steps with its own learning-rate schedule, weight
/// decay and gradient clip. The objective is the sum of the members' mean losses, so each member's gradient is its own.
/// A member whose loss or gradient becomes NaN or infinite is frozen (its weights, moments and EMA stop changing) and reported
/// with the step; the others go on, and training fails only when every member has diverged.
/// </summary>
/// <remarks>
/// Supported: any path, both objectives, any time sampling, warm-up with constant or cosine rates, weight decay and
/// clipping, all per member; label-conditional members with label dropout (member k draws its dropout from its own
/// generator where FlowTrainer draws it); an EMA of the weights (every member keeps one or none does; one stacked
/// update per step, <see cref="EnsembleExponentialMovingAverage"/>); one shared training set or one per member. Not
/// supported (rejected with an <see cref="ArgumentException"/>): couplings other than the independent one, bridge noise
/// and source points; train those one by one with <see cref="FlowTrainer"/>.
/// A diverged member's EMA stops with its weights, at their values before the step that diverged. (A FlowTrainer that
/// diverges fails at the end of the logging window instead, with weights and EMA already non-finite.)
/// </remarks>
public sealed class EnsembleTrainer : IDisposable
{
    /// <summary>Steps between gen-0 garbage collections, for the reason given in <see cref="TrainingLoop"/>.</summary>
    private const int NativeScalarCollectionInterval = 10;

    private readonly LearningRateSchedule[] schedules;
    private readonly Generator[] generators;
    private readonly StackedAdamW optimizer;
    private readonly Tensor alive;
    private readonly Tensor divergedAt;
    private readonly Tensor? clipNorms;
    private readonly Tensor? clipped;
    private readonly List<LossPoint>[] lossTraces;
    private readonly int?[] divergedAtStep;

    /// <param name="field">The members; their weights are trained in place.</param>
    /// <param name="spec">Path and objective (its Field must describe the members).</param>
    /// <param name="memberOptions">One set of options per member; Steps, BatchSize and LogEvery must agree.</param>
    /// <exception cref="ArgumentException">A count, a shared setting or the spec that does not match, or an option the
    /// ensemble does not support; the message names it.</exception>
    public EnsembleTrainer(EnsembleMlpField field, ModelSpec spec, IReadOnlyList<TrainingOptions> memberOptions)
    {
        spec.Validate();
        var differences = field.Config.DifferencesFrom(spec.Field, "ensemble", "spec");
        if (differences.Count > 0)
            throw new ArgumentException($"The ensemble's members do not match the model spec ({string.Join("; ", differences)}).", nameof(spec));
        if (memberOptions.Count != field.Members)
            throw new ArgumentException(
                $"The ensemble has {field.Members} members but {memberOptions.Count} sets of training options were given; give one per member.",
                nameof(memberOptions));
        foreach (var options in memberOptions)
        {
            options.Validate();
            CheckSupported(options);
        }
        var first = memberOptions[0];
        if (memberOptions.Any(o => o.EmaDecay is null) && memberOptions.Any(o => o.EmaDecay is not null))
            throw new ArgumentException(
                $"Either every member keeps an EMA of its weights or none does; EmaDecay is set for members " +
                $"{string.Join(", ", memberOptions.Select((o, k) => (o, k)).Where(p => p.o.EmaDecay is not null).Select(p => p.k))} only.",
                nameof(memberOptions));
        for (int k = 1; k < memberOptions.Count; k++)
        {
            var o = memberOptions[k];
            if (o.Steps != first.Steps || o.BatchSize != first.BatchSize || o.LogEvery != first.LogEvery)
                throw new ArgumentException(
                    $"The members train in lockstep on batches of one shape: Steps, BatchSize and LogEvery must agree; member {k} has " +
                    $"{o.Steps}, {o.BatchSize}, {o.LogEvery} and member 0 {first.Steps}, {first.BatchSize}, {first.LogEvery}.",
                    nameof(memberOptions));
        }
        Field = field;
        Spec = spec;
        MemberOptions = memberOptions.ToArray();
        Path = AffinePath.FromName(spec.Path);
        var parameters = field.StackedParameters;
        Device = parameters[0].device;
        schedules = MemberOptions.Select(LearningRateSchedule.For).ToArray();
        generators = MemberOptions.Select(o => new Generator((ulong)o.Seed, Device)).ToArray();
        optimizer = new StackedAdamW(parameters);
        // Owned by the trainer, whatever dispose scope the caller builds it in.
        alive = ones(field.Members, dtype: ScalarType.Bool, device: Device).DetachFromDisposeScope();
        divergedAt = zeros(field.Members, dtype: ScalarType.Float64, device: Device).DetachFromDisposeScope();
        if (MemberOptions.Any(o => o.GradientClip is not null))
        {
            using var scope = NewDisposeScope();
            clipNorms = tensor(MemberOptions.Select(o => o.GradientClip ?? 1.0).ToArray()).to(parameters[0].dtype, Device).DetachFromDisposeScope();
            clipped = tensor(MemberOptions.Select(o => o.GradientClip is not null).ToArray()).to(Device).DetachFromDisposeScope();
        }
        lossTraces = MemberOptions.Select(_ => new List<LossPoint>()).ToArray();
        divergedAtStep = new int?[field.Members];
        if (first.EmaDecay is not null)
            Ema = new EnsembleExponentialMovingAverage(field, MemberOptions.Select(o => o.EmaDecay!.Value).ToArray());
    }

    /// <summary>The stacked members (weights updated in place).</summary>
    public EnsembleMlpField Field { get; }
    /// <summary>Path and objective, shared by the members.</summary>
    public ModelSpec Spec { get; }
    /// <summary>Each member's training options (validated).</summary>
    public IReadOnlyList<TrainingOptions> MemberOptions { get; }
    /// <summary>The affine path named by <see cref="ModelSpec.Path"/>.</summary>
    public AffinePath Path { get; }
    /// <summary>The device of the stacked weights, where every minibatch is drawn.</summary>
    public Device Device { get; }
    /// <summary>K.</summary>
    public int Members => Field.Members;
    /// <summary>The members' EMAs when <see cref="TrainingOptions.EmaDecay"/> is set; else null.</summary>
    public EnsembleExponentialMovingAverage? Ema { get; }
    /// <summary>The members to sample with: their EMA averages when there are some, else the trained members.</summary>
    public EnsembleMlpField SamplingField => Ema?.Average ?? Field;
    /// <summary>Steps done so far (a diverged member stopped earlier: see <see cref="DivergedAtStep"/>).</summary>
    public int Step { get; private set; }
    /// <summary>Wall-clock seconds spent in <see cref="Train"/>.</summary>
    public double Seconds { get; private set; }

    /// <summary>Member k's mean loss per logging window, up to the window in which it diverged.</summary>
    public IReadOnlyList<LossPoint> LossTrace(int k) => lossTraces[k];

    /// <summary>For each member, the 1-based step whose loss or gradient was first non-finite (that step's update was not
    /// applied: its weights are those after the step before), or null while it trains. Known as of the last logging window.</summary>
    public IReadOnlyList<int?> DivergedAtStep => divergedAtStep;

    /// <summary>Trains every member until <paramref name="untilStep"/> (default: all planned steps).</summary>
    /// <param name="data">One training set (n, dim) for all members, or one per member (member k's points at index k;
    /// their sizes may differ), with labels when the members are conditional.</param>
    /// <param name="untilStep">Stop after this many steps in total.</param>
    /// <param name="cancellation">Checked before every step.</param>
    /// <exception cref="ArgumentException">Neither one nor K training sets, an empty one, one of the wrong dimension, or one
    /// without labels (or with more classes) for conditional members.</exception>
    /// <exception cref="InvalidOperationException">Every member has diverged; the message gives their steps.</exception>
    public EnsembleResult Train(IReadOnlyList<PointCloud> data, int? untilStep = null, CancellationToken cancellation = default)
    {
        CheckData(data);
        int end = Math.Min(untilStep ?? MemberOptions[0].Steps, MemberOptions[0].Steps);
        var dtype = Field.StackedParameters[0].dtype;
        var points = data.Select(d => d.Points.to(dtype, Device).DetachFromDisposeScope()).ToArray();
        var labels = Field.IsConditional ? data.Select(d => d.Labels!.to(Device).DetachFromDisposeScope()).ToArray() : null;
        var memberPoints = Enumerable.Range(0, Members).Select(k => points[data.Count == 1 ? 0 : k]).ToArray();
        var memberLabels = labels is null ? null : Enumerable.Range(0, Members).Select(k => labels[data.Count == 1 ? 0 : k]).ToArray();
        var weightDecay = MemberOptions.Select(o => o.WeightDecay).ToArray();
        int logEvery = MemberOptions[0].LogEvery;
        var sums = zeros(Members, dtype: ScalarType.Float64, device: Device).DetachFromDisposeScope();
        var clock = Stopwatch.StartNew();
        Field.train();
        // Each member's products are those of a small MLP (a batched product is K of them side by side); measured with 8
        // members of the 2-D main flow on 2 threads, holding them to the calling thread ran about 1.3× faster.
        using var threads = SmallWorkThreads.ForLargestProduct(
            MemberOptions[0].BatchSize * Field.StackedParameters.Max(p => p.shape[^2] * p.shape[^1]));
        try
        {
            int windowStart = Step;
            for (int step = Step; step < end; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                using (NewDisposeScope())
                {
                    var rates = schedules.Select(s => s.At(step)).ToArray();
                    Field.zero_grad();
                    var losses = MemberLosses(memberPoints, memberLabels);
                    losses.sum().backward();
                    var norms = ClipAndMeasure();
                    var finite = losses.detach().isfinite().logical_and_(norms.isfinite());
                    divergedAt.copy_(where(alive.logical_and(finite.logical_not()), step + 1.0, divergedAt));
                    alive.logical_and_(finite);
                    optimizer.Step(rates, weightDecay, alive);
                    Ema?.Update(alive);
                    sums.add_(losses.detach().to(ScalarType.Float64));
                }
                int done = ++Step;
                if (done % NativeScalarCollectionInterval == 0)
                    GC.Collect(0);
                if (done % logEvery == 0 || done == end)
                {
                    CloseWindow(sums, done, done - windowStart);
                    windowStart = done;
                }
            }
        }
        finally
        {
            sums.Dispose();
            foreach (var p in points)
                p.Dispose();
            foreach (var l in labels ?? [])
                l.Dispose();
            Field.eval();
            Seconds += clock.Elapsed.TotalSeconds;
        }
        return new EnsembleResult(lossTraces.Select(t => (IReadOnlyList<LossPoint>)t.ToArray()).ToArray(), divergedAtStep.ToArray(), Step, Seconds);
    }

    /// <summary>Each member's mean regression loss on its own minibatch, (K), with the graph.</summary>
    private Tensor MemberLosses(Tensor[] memberPoints, Tensor[]? memberLabels)
    {
        int batch = MemberOptions[0].BatchSize;
        var x0 = new Tensor[Members];
        var x1 = new Tensor[Members];
        var y = memberLabels is null ? null : new Tensor[Members];
        var t = new Tensor[Members];
        var weight = new Tensor[Members];
        for (int k = 0; k < Members; k++)
        {
            // FlowTrainer's draws, in its order, from the member's own generator: index, label dropout, x₀, times.
            var generator = generators[k];
            var index = randint(memberPoints[k].shape[0], new long[] { batch }, dtype: ScalarType.Int64, device: Device, generator: generator);
            x1[k] = memberPoints[k].index_select(0, index);
            if (y is not null)
            {
                y[k] = memberLabels![k].index_select(0, index);
                double dropout = MemberOptions[k].LabelDropout;
                if (dropout > 0)
                {
                    var drop = rand(new long[] { batch }, device: Device, generator: generator) < dropout;
                    y[k] = where(drop, full_like(y[k], Field.NullLabel), y[k]);
                }
            }
            x0[k] = randn(x1[k].shape, dtype: x1[k].dtype, device: Device, generator: generator);
            (t[k], weight[k]) = MemberOptions[k].TimeSampling.Draw(batch, generator, x1[k].dtype, Device);
        }
        var sample = Path.Sample(stack(x0), stack(x1), stack(t));
        var prediction = Field.call(sample.Xt, sample.T, y is null ? null : stack(y));
        var perSample = (prediction - RegressionLoss.Target(Spec.Objective, sample)).square().mean(new long[] { 2 }, keepdim: true);
        return (perSample * stack(weight)).mean(new long[] { 1, 2 });
    }

    /// <summary>Each member's global gradient norm (K), measured before clipping; the gradients of the members with a clip are
    /// scaled by min(1, clip/(‖g‖ + 1e-6)) as <see cref="GradientClipping"/> scales a single model's.</summary>
    private Tensor ClipAndMeasure()
    {
        using var noGrad = no_grad();
        var grads = Field.StackedParameters.Select(p => p.grad).OfType<Tensor>().ToArray();
        // Named dims: a bare sum(0) would bind to sum(ScalarType) (0 converts to any enum) and sum everything as bytes.
        var norms = stack(grads.Select(g => g.square().reshape(Members, -1).sum(dim: 1)).ToArray()).sum(dim: 0).sqrt();
        if (clipNorms is not null)
        {
            var scale = where(clipped!, (clipNorms / (norms + 1e-6)).clamp(max: 1.0), ones_like(norms));
            foreach (var g in grads)
            {
                var shape = Enumerable.Repeat(1L, (int)g.dim()).ToArray();
                shape[0] = Members;
                g.mul_(scale.reshape(shape));
            }
        }
        return norms;
    }

    /// <summary>Reads the window's loss sums and the divergence steps back in one transfer and records them.</summary>
    private void CloseWindow(Tensor sums, int done, int steps)
    {
        double[] read;
        using (NewDisposeScope())   // releases the host copy and the second handle zero_ hands back
        {
            read = cat(new[] { sums, divergedAt }).cpu().data<double>().ToArray();
            sums.zero_();
        }
        for (int k = 0; k < Members; k++)
        {
            double diverged = read[Members + k];
            if (diverged > 0)
                divergedAtStep[k] ??= (int)diverged;
            else
                lossTraces[k].Add(new LossPoint(done, read[k] / steps));
        }
        if (divergedAtStep.All(s => s is not null))
            throw new InvalidOperationException(
                $"Every member of the ensemble diverged (loss or gradient NaN or infinite at steps {string.Join(", ", divergedAtStep)}): " +
                "lower the learning rates or check the data for extreme values.");
    }

    private void CheckData(IReadOnlyList<PointCloud> data)
    {
        if (data.Count != 1 && data.Count != Members)
            throw new ArgumentException(
                $"Give one training set for all members or one per member ({Members}); got {data.Count}.", nameof(data));
        for (int k = 0; k < data.Count; k++)
        {
            if (data[k].Count == 0)
                throw new ArgumentException($"Training set {k} is empty.", nameof(data));
            if (data[k].Dim != Field.Dim)
                throw new ArgumentException($"Training set {k} has {data[k].Dim} dimensions but the members expect {Field.Dim}.", nameof(data));
            if (Field.IsConditional && data[k].Labels is null)
                throw new ArgumentException($"The members are conditioned on {Field.NumClasses} classes but training set {k} has no labels.", nameof(data));
            if (Field.IsConditional && data[k].NumClasses > Field.NumClasses)
                throw new ArgumentException(
                    $"Training set {k} has {data[k].NumClasses} classes but the members were built for {Field.NumClasses}.", nameof(data));
        }
    }

    private static void CheckSupported(TrainingOptions options)
    {
        string? unsupported =
            !options.CouplingOrDefault.IsIndependent ? $"the {options.CouplingOrDefault.Name} coupling"
            : options.BridgeOrDefault.IsActive ? "bridge noise"
            : null;
        if (unsupported is not null)
            throw new ArgumentException(
                $"Ensemble training does not support {unsupported} yet; leave it unset, or train the members one by one with FlowTrainer.",
                nameof(options));
    }

    /// <summary>Saves member <paramref name="k"/> as an ordinary model folder (<see cref="Checkpoint"/>): it loads, samples and
    /// resumes as if that member had been trained alone by a <see cref="FlowTrainer"/>.</summary>
    /// <exception cref="InvalidOperationException">The member diverged: its frozen weights are not those of a run that can go on.</exception>
    public void SaveMember(int k, string folder) => EnsembleMemberCheckpoint.Save(this, k, folder);

    internal Generator GeneratorOf(int k) => generators[k];
    internal StackedAdamW Optimizer => optimizer;

    /// <summary>Releases the moments, the generators and the bookkeeping tensors; the field belongs to the caller.</summary>
    public void Dispose()
    {
        optimizer.Dispose();
        foreach (var g in generators)
            g.Dispose();
        alive.Dispose();
        divergedAt.Dispose();
        clipNorms?.Dispose();
        clipped?.Dispose();
        Ema?.Dispose();
    }
}
