using PrecondFlow.Devices;
using PrecondFlow.Distributed;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// The one minibatch AdamW loop of the library (flow matching, RealNVP, the image classifier and VAE all run on it).
/// Each step, in its own dispose scope: set the rate of <see cref="Schedule"/>, zero the gradients, compute the
/// caller's loss, back-propagate (with <see cref="CpuConvolutions.Backward"/> unless <see cref="BackwardOnOneDnn"/>), measure and clip the global gradient
/// norm on the device, step AdamW, run the caller's after-step hook, and add the logged terms and the norm to float64
/// sums on the device. With <see cref="Parallel"/> set, the gradients are averaged over the processes right after the
/// backward pass (one all-reduction of a flat buffer), the weights' hash is compared across processes at the start and
/// every <see cref="DataParallel.WeightCheckEvery"/> steps, and the window's means are averaged too. Every <see cref="LogEvery"/> steps (and at the last) the window's means are read back — the
/// loop's only host synchronisation — checked for NaN/∞ and handed to the caller.
/// </summary>
public sealed class TrainingLoop : IDisposable
{
    /// <summary>
    /// Steps between gen-0 garbage collections. TorchSharp turns a double operand into a native at::Scalar that only a
    /// finalizer frees, and the loop allocates so little managed memory that the GC may not run for thousands of steps.
    /// The build now shares the Scalars of repeated constants (build/ShareConstantScalars.cs) and the loop's own changing
    /// operands are freed at once (<see cref="AdamWUpdate"/>, <see cref="ScalarOperands"/>), so a Table-4 step leaves none
    /// behind; a network or loss of the caller's may still leave some, which this collection (about 0.7 ms every 10 steps)
    /// hands to the finalizer before they pile up.
    /// </summary>
    private const int NativeScalarCollectionInterval = 10;

    private readonly List<Parameter> parameters;
    private readonly AdamW optimizer;

    /// <param name="parameters">The trained parameters.</param>
    /// <param name="schedule">The learning rate of every step.</param>
    /// <param name="weightDecay">AdamW's decoupled weight decay.</param>
    /// <param name="gradientClip">Maximum global gradient norm, or null for none.</param>
    /// <param name="logEvery">Steps per logging window (losses are read back once per window).</param>
    public TrainingLoop(IEnumerable<Parameter> parameters, LearningRateSchedule schedule, double weightDecay = 0.0,
        double? gradientClip = null, int logEvery = 50)
    {
        schedule.Validate();
        if (!(weightDecay >= 0))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay cannot be negative.");
        if (gradientClip is { } clip && !(clip > 0))
            throw new ArgumentOutOfRangeException(nameof(gradientClip), clip, "The gradient clip must be positive (or null for none).");
        if (logEvery < 1)
            throw new ArgumentOutOfRangeException(nameof(logEvery), logEvery, "Log at least every step (logEvery >= 1).");
        this.parameters = parameters.ToList();
        Schedule = schedule;
        GradientClip = gradientClip;
        LogEvery = logEvery;
        optimizer = optim.AdamW(this.parameters, lr: schedule.PeakRate, weight_decay: weightDecay);
    }

    /// <summary>The learning rate of every step.</summary>
    public LearningRateSchedule Schedule { get; }
    /// <summary>Maximum global gradient norm, or null for none.</summary>
    public double? GradientClip { get; }
    /// <summary>Steps per logging window: losses are read back once per window.</summary>
    public int LogEvery { get; }

    /// <summary>What is trained, for the divergence message: "The {Subject} loss became NaN at step 120: {hint}".</summary>
    public string Subject { get; init; } = "training";

    /// <summary>What the user can do when the loss diverges; ends the divergence message.</summary>
    public string DivergenceHint { get; init; } = "lower the learning rate or check the data for extreme values.";

    /// <summary>
    /// Data-parallel training over several processes, or null (the default) for one process, which then runs exactly as
    /// without it. Each process's loss must be its slice's share (see <see cref="RowSlice.LossWeight"/>) or the whole
    /// batch's loss: the mean of the gradients is then the whole batch's gradient either way.
    /// </summary>
    public DataParallel? Parallel { get; init; }

    /// <summary>
    /// Multiply-adds of the largest matrix product of one step, when known (see
    /// <see cref="SmallWorkThreads.LargestProduct"/>): a step of small products then runs on the calling thread alone, which
    /// is faster for them than waking the others; null (the default) leaves the threads as they are.
    /// </summary>
    public long? LargestProduct { get; init; }

    /// <summary>
    /// Whether the backward pass keeps oneDNN on: set it only when <see cref="OneDnnBackwardCheck.IsExact(TorchSharp.torch.nn.Module)"/>
    /// holds for the trained network (true for a network without convolutions). False (the default) back-propagates with
    /// oneDNN switched off (<see cref="CpuConvolutions.Backward"/>), exact for any convolution and slower.
    /// </summary>
    public bool BackwardOnOneDnn { get; init; }

    /// <summary>The optimizer (its state is saved with checkpoints).</summary>
    internal AdamW Optimizer => optimizer;

    /// <summary>Runs the 0-based steps <paramref name="fromStep"/> … <paramref name="toStep"/> − 1.</summary>
    /// <param name="fromStep">First step (the steps already done, when resuming: the schedule and logging windows
    /// continue from there).</param>
    /// <param name="toStep">Stop when this many steps are done.</param>
    /// <param name="loss">The loss of a step, given its 0-based index; runs inside the step's dispose scope.</param>
    /// <param name="afterStep">Called after each optimizer step with the number of steps done (e.g. an EMA update);
    /// inside the step's dispose scope.</param>
    /// <param name="onWindow">Receives each logging window's means, after the NaN/∞ check.</param>
    /// <param name="cancellation">Checked before every step.</param>
    /// <exception cref="InvalidOperationException">A window's mean loss is NaN or infinite; the message names the step.</exception>
    public void Run(int fromStep, int toStep, Func<int, StepLoss> loss, Action<int>? afterStep = null,
        Action<LossWindow>? onWindow = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (fromStep < 0 || toStep < fromStep)
            throw new ArgumentOutOfRangeException(nameof(toStep), toStep, $"Cannot run from step {fromStep} to step {toStep}.");
        Tensor? sums = null;
        Tensor? normSum = null;
        double lastRate = double.NaN;
        var reducer = Parallel is { Communicator.WorldSize: > 1 } parallel ? new GradientAllReduce(parallel, parameters) : null;
        if (reducer is not null)
            WeightAgreement.Check(Parallel!.Communicator, parameters, fromStep);
        using var threads = LargestProduct is { } largest ? SmallWorkThreads.ForLargestProduct(largest) : default;
        try
        {
            int windowStart = fromStep;
            for (int step = fromStep; step < toStep; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                using (var scope = NewDisposeScope())
                {
                    double rate = Schedule.At(step);
                    foreach (var group in optimizer.ParamGroups)
                        group.LearningRate = rate;
                    optimizer.zero_grad();
                    var result = loss(step);
                    if (BackwardOnOneDnn)
                        result.Objective.backward();
                    else
                        CpuConvolutions.Backward(result.Objective);
                    lastRate = rate;
                    reducer?.Reduce();
                    // Measured before clipping (the clipping's own measurement when it clips), summed on the device and
                    // read back with the losses.
                    var norm = GradientClip is { } clip
                        ? GradientClipping.ClipAndMeasure(parameters, clip)
                        : GradientClipping.GlobalNorm(parameters);
                    if (norm is not null)
                    {
                        normSum ??= zeros(1, dtype: ScalarType.Float64, device: norm.device).DetachFromDisposeScope();
                        normSum.add_(norm.to(ScalarType.Float64));
                    }
                    AdamWUpdate.Step(optimizer);
                    afterStep?.Invoke(step + 1);
                    var logged = (result.Terms ?? result.Objective).detach().reshape(-1).to(ScalarType.Float64);
                    sums ??= zeros_like(logged).DetachFromDisposeScope();
                    sums.add_(logged);
                }
                int done = step + 1;
                if (reducer is not null && (done % Parallel!.WeightCheckEvery == 0 || done == toStep))
                    WeightAgreement.Check(Parallel.Communicator, parameters, done);
                if (done % NativeScalarCollectionInterval == 0)
                    GC.Collect(0);
                if (done % LogEvery == 0 || done == toStep)
                {
                    double[] means;
                    double gradientNorm = double.NaN;
                    using (NewDisposeScope())   // releases the host copy and the second handle zero_ hands back
                    {
                        // One read-back for the losses and the gradient norm together.
                        var window = normSum is null ? sums! : cat(new[] { sums!, normSum });
                        var read = window.cpu().data<double>().ToArray();
                        // Each process logged its slice's share: the mean over the processes is the whole batch's mean
                        // (the gradient norm, measured after the reduction, is the same everywhere).
                        if (reducer is not null)
                            Parallel!.Communicator.AllReduceMean(read);
                        means = read[..(int)sums!.shape[0]];
                        if (normSum is not null)
                        {
                            gradientNorm = read[^1] / (done - windowStart);
                            normSum.zero_();
                        }
                        sums.zero_();
                    }
                    for (int i = 0; i < means.Length; i++)
                        means[i] /= done - windowStart;
                    windowStart = done;
                    if (!means.All(double.IsFinite))
                        throw new InvalidOperationException($"The {Subject} loss became {means[0]} at step {done}: {DivergenceHint}");
                    onWindow?.Invoke(new LossWindow(done, means) { GradientNorm = gradientNorm, LearningRate = lastRate });
                }
            }
        }
        finally
        {
            sums?.Dispose();
            normSum?.Dispose();
        }
    }

    /// <summary>Releases the optimizer's state.</summary>
    public void Dispose() => optimizer.Dispose();
}
