using System.Diagnostics;
using PrecondFlow.Couplings;
using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Pipeline;

/// <summary>
/// A flow between two data sets with a preconditioner on each side (paper App. G.1, Fig. 11): a source map S and a target
/// map T (either may be the identity) and a main flow F trained by flow matching from S(x₀), x₀ a source point, to T(x₁),
/// x₁ a target point, with the coupling of the training options (independent by default; a minibatch OT coupling measures
/// its cost between S(x₀) and T(x₁), or between x₀ and x₁ with <see cref="CouplingSpace.Data"/>). A source point is transported by x₁ = T⁻¹(F(S(x₀))); a target
/// point is carried back by x₀ = S⁻¹(F⁻¹(T(x₁))). With both maps the identity this is plain flow matching between the
/// two data sets.
/// </summary>
/// <remarks>The transport owns both maps and disposes them, as <see cref="PreconditionedModel"/> owns its P.</remarks>
public sealed class TwoSidedTransport : IDisposable
{
    private TwoSidedTransport(IPreconditioner sourceMap, IPreconditioner targetMap, FlowTrainer trainer, PipelineTimes times,
        PreconditionerFitReport? sourceFit, PreconditionerFitReport? targetFit)
    {
        SourceMap = sourceMap;
        TargetMap = targetMap;
        Trainer = trainer;
        Times = times;
        SourceFit = sourceFit;
        TargetFit = targetFit;
        Model = new GenerativeModel(trainer.SamplingField, trainer.Spec);
    }

    /// <summary>S, applied to source points.</summary>
    public IPreconditioner SourceMap { get; }

    /// <summary>T, applied to target points; its inverse maps the main flow's output back to the target's coordinates.</summary>
    public IPreconditioner TargetMap { get; }

    /// <summary>The main flow's trainer.</summary>
    public FlowTrainer Trainer { get; }

    /// <summary>The main flow F as a generative model (EMA weights when trained with an EMA), between S- and T-coordinates.</summary>
    public GenerativeModel Model { get; }

    /// <summary>Both maps' fits (PreconditionerSeconds), both training sets' transforms (TransformSeconds), the main flow.</summary>
    public PipelineTimes Times { get; private set; }

    /// <summary>S's fit report; null when S was passed fitted without a report.</summary>
    public PreconditionerFitReport? SourceFit { get; }
    /// <summary>T's fit report; null when T was passed fitted without a report.</summary>
    public PreconditionerFitReport? TargetFit { get; }

    /// <summary>S(x₀) of the source training points, what the main flow started from (in the caller's dispose scope of the
    /// training call).</summary>
    public PointCloud? TrainingSource { get; private set; }

    /// <summary>T(x₁) of the target training points, what the main flow was trained to reach.</summary>
    public PointCloud? TrainingTarget { get; private set; }

    /// <summary>Fits S on the source points and T on the target points (each with <paramref name="options"/>' seed), then
    /// trains the main flow from S(source) to T(target).</summary>
    /// <param name="source">(n₀, d) source training points; labels are ignored.</param>
    /// <param name="target">(n₁, d) target training points; labels are ignored.</param>
    /// <param name="sourceMap">An unfitted, unconditional map for the source side; the transport owns it afterwards.</param>
    /// <param name="targetMap">The same for the target side.</param>
    /// <param name="field">The main flow's network, on the training device, of dimension d.</param>
    /// <param name="spec">Its spec: flow matching (the only objective that starts from given points).</param>
    /// <param name="options">The main flow's training settings; its seed also seeds both fits.</param>
    /// <param name="sourceProgress">Receives S's fitting progress (learned maps).</param>
    /// <param name="targetProgress">Receives T's fitting progress.</param>
    /// <param name="progress">Receives the main flow's training progress.</param>
    /// <param name="onLog">Called with the transport and the step every LogEvery steps of the main flow.</param>
    /// <exception cref="InvalidOperationException">A map failed its invertibility check after fitting.</exception>
    public static TwoSidedTransport Train(PointCloud source, PointCloud target, IFittablePreconditioner sourceMap,
        IFittablePreconditioner targetMap, VectorField field, ModelSpec spec, TrainingOptions options,
        IProgress<PreconditionerProgress>? sourceProgress = null, IProgress<PreconditionerProgress>? targetProgress = null,
        IProgress<TrainingProgress>? progress = null, Action<TwoSidedTransport, int>? onLog = null)
    {
        CheckMaps(sourceMap, targetMap);
        var clock = Stopwatch.StartNew();
        var sourceFit = Fit(sourceMap, Unlabelled(source), options.Seed, sourceProgress, "source");
        var targetFit = Fit(targetMap, Unlabelled(target), options.Seed, targetProgress, "target");
        return TrainMainFlow(source, target, sourceMap, targetMap, field, spec, options, sourceFit, targetFit,
            clock.Elapsed.TotalSeconds, progress, onLog);
    }

    /// <summary>
    /// Trains the main flow from S(source) to T(target) with maps that are already fitted (not refitted); their fits are
    /// charged as given: the reports' seconds, or nothing without reports.
    /// </summary>
    /// <param name="source">(n₀, d) source training points; labels are ignored.</param>
    /// <param name="target">(n₁, d) target training points; labels are ignored.</param>
    /// <param name="sourceMap">A fitted, unconditional map for the source side; the transport owns it afterwards.</param>
    /// <param name="targetMap">The same for the target side.</param>
    /// <param name="field">The main flow's network, on the training device, of dimension d.</param>
    /// <param name="spec">Its spec: flow matching.</param>
    /// <param name="options">The main flow's training settings.</param>
    /// <param name="progress">Receives the main flow's training progress.</param>
    /// <param name="onLog">Called with the transport and the step every LogEvery steps of the main flow.</param>
    /// <param name="sourceFit">S's fit report, when known.</param>
    /// <param name="targetFit">T's fit report, when known.</param>
    public static TwoSidedTransport TrainOnFitted(PointCloud source, PointCloud target, IPreconditioner sourceMap,
        IPreconditioner targetMap, VectorField field, ModelSpec spec, TrainingOptions options,
        PreconditionerFitReport? sourceFit = null, PreconditionerFitReport? targetFit = null,
        IProgress<TrainingProgress>? progress = null, Action<TwoSidedTransport, int>? onLog = null)
    {
        CheckMaps(sourceMap, targetMap);
        RequireFitted(sourceMap, sourceFit, "source");
        RequireFitted(targetMap, targetFit, "target");
        return TrainMainFlow(source, target, sourceMap, targetMap, field, spec, options, sourceFit, targetFit,
            (sourceFit?.Seconds ?? 0) + (targetFit?.Seconds ?? 0), progress, onLog);
    }

    private static TwoSidedTransport TrainMainFlow(PointCloud source, PointCloud target, IPreconditioner sourceMap,
        IPreconditioner targetMap, VectorField field, ModelSpec spec, TrainingOptions options, PreconditionerFitReport? sourceFit,
        PreconditionerFitReport? targetFit, double fitSeconds, IProgress<TrainingProgress>? progress,
        Action<TwoSidedTransport, int>? onLog)
    {
        var clock = Stopwatch.StartNew();
        var mappedSource = PreconditionedModel.Transform(sourceMap, Unlabelled(source));
        var mappedTarget = PreconditionedModel.Transform(targetMap, Unlabelled(target));
        double transformSeconds = clock.Elapsed.TotalSeconds;

        var trainer = new FlowTrainer(field, spec, options);
        TwoSidedTransport transport;
        try
        {
            transport = new TwoSidedTransport(sourceMap, targetMap, trainer, new PipelineTimes(fitSeconds, transformSeconds, 0),
                sourceFit, targetFit);
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
        transport.TrainingSource = mappedSource;
        transport.TrainingTarget = mappedTarget;
        // A data-space coupling compares x₀ and x₁ before S and T (row for row the same points); a flow-space one S(x₀), T(x₁).
        bool dataSpace = options.CouplingOrDefault.Space == CouplingSpace.Data && !options.CouplingOrDefault.IsIndependent;
        trainer.Train(mappedTarget, progress: progress, source: mappedSource,
            couplingView: dataSpace ? Unlabelled(target) : null, sourceCouplingView: dataSpace ? Unlabelled(source) : null, callback: step =>
        {
            transport.Times = transport.Times with { MainFlowSeconds = trainer.Seconds };
            onLog?.Invoke(transport, step);
        });
        transport.Times = transport.Times with { MainFlowSeconds = trainer.Seconds };
        return transport;
    }

    /// <summary>Transports source points to the target: x₁ = T⁻¹(F(S(x₀))), without gradients.</summary>
    /// <param name="x0">(count, d) source points.</param>
    /// <param name="options">ODE settings of the main flow (<see cref="SamplingMethod.Ode"/>).</param>
    /// <returns>Points: (count, d) in the target's coordinates; Trajectory (when kept): F's states mapped by T⁻¹.</returns>
    public SampleResult Transport(Tensor x0, SamplingOptions options)
    {
        using var scope = NewDisposeScope();
        Tensor start;
        using (no_grad())
            start = SourceMap.Transform(x0);
        var result = TransportMapped(start, options);
        result.Points.MoveToOuterDisposeScope();
        foreach (var state in result.Trajectory ?? [])
            state.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// Transports points already mapped by S: x₁ = T⁻¹(F(s₀)) for s₀ = S(x₀). Saves applying S again when the same source
    /// points are transported many times (e.g. to follow a metric during training).
    /// </summary>
    /// <param name="mappedSource">(count, d) points S(x₀).</param>
    /// <param name="options">ODE settings of the main flow.</param>
    public SampleResult TransportMapped(Tensor mappedSource, SamplingOptions options) =>
        TransportMapped(TargetMap, Model, mappedSource, options);

    /// <summary>
    /// x₁ = T⁻¹(F(s₀)) with a fitted target map T and a main flow F given separately: the transport of
    /// <see cref="TransportMapped(Tensor, SamplingOptions)"/> for callers that train F themselves, e.g. in stages with an
    /// evaluation between them (a convergence study). Without gradients.
    /// </summary>
    /// <param name="targetMap">T, fitted.</param>
    /// <param name="model">F, trained by flow matching from S(source points).</param>
    /// <param name="mappedSource">(count, d) points S(x₀).</param>
    /// <param name="options">ODE settings of the main flow.</param>
    /// <returns>Points: (count, d) in the target's coordinates; Trajectory (when kept): F's states mapped by T⁻¹.</returns>
    public static SampleResult TransportMapped(IPreconditioner targetMap, GenerativeModel model, Tensor mappedSource, SamplingOptions options)
    {
        using var scope = NewDisposeScope();
        var inner = Sampler.SampleFrom(model, mappedSource, options);
        using var _ = no_grad();
        var x1 = targetMap.Inverse(inner.Points).MoveToOuterDisposeScope();
        var trajectory = inner.Trajectory?.Select(t => targetMap.Inverse(t).MoveToOuterDisposeScope()).ToArray();
        return inner with { Points = x1, Trajectory = trajectory };
    }

    /// <summary>Carries target points back to the source: x₀ = S⁻¹(F⁻¹(T(x₁))), the inverse of <see cref="Transport"/> up to
    /// the solver's accuracy (and the maps' round-trip errors). Without gradients.</summary>
    /// <param name="x1">(count, d) target points.</param>
    /// <param name="options">ODE settings of the main flow (<see cref="SamplingMethod.Ode"/>).</param>
    /// <returns>Points: (count, d) in the source's coordinates; Trajectory (when kept): F's states mapped by S⁻¹,
    /// starting at x₁'s image and times decreasing.</returns>
    public SampleResult TransportBack(Tensor x1, SamplingOptions options)
    {
        using var scope = NewDisposeScope();
        Tensor start;
        using (no_grad())
            start = TargetMap.Transform(x1);
        var inner = Sampler.Encode(Model, start, options);
        using var _ = no_grad();
        var x0 = SourceMap.Inverse(inner.Points).MoveToOuterDisposeScope();
        var trajectory = inner.Trajectory?.Select(t => SourceMap.Inverse(t).MoveToOuterDisposeScope()).ToArray();
        return inner with { Points = x0, Trajectory = trajectory };
    }

    /// <summary>Disposes both maps and the main flow's trainer.</summary>
    public void Dispose()
    {
        SourceMap.Dispose();
        TargetMap.Dispose();
        Trainer.Dispose();
    }

    private static PointCloud Unlabelled(PointCloud data) => data.Labels is null ? data : data with { Labels = null, NumClasses = 0 };

    private static PreconditionerFitReport Fit(IFittablePreconditioner map, PointCloud data, long seed,
        IProgress<PreconditionerProgress>? progress, string side)
    {
        var fit = map.Fit(data, seed, progress);
        if (!fit.Passed)
            throw new InvalidOperationException(
                $"The {side}'s {map.Name} preconditioner failed its invertibility check after fitting " +
                $"(max relative round-trip error {fit.Invertibility?.MaxRelativeError:G3}); it is not used.");
        return fit;
    }

    private static void CheckMaps(IPreconditioner sourceMap, IPreconditioner targetMap)
    {
        ArgumentNullException.ThrowIfNull(sourceMap);
        ArgumentNullException.ThrowIfNull(targetMap);
        if (sourceMap.Dim != targetMap.Dim)
            throw new ArgumentException(
                $"The source map has {sourceMap.Dim} dimensions but the target map {targetMap.Dim}: both sides must have the main flow's.");
        if (sourceMap.IsConditional || targetMap.IsConditional)
            throw new ArgumentException(
                "A two-sided transport pairs source and target points at random (independent coupling), so no label is shared " +
                "by both sides: use unconditional maps.");
    }

    private static void RequireFitted(IPreconditioner map, PreconditionerFitReport? fit, string side)
    {
        if (map is IFittablePreconditioner { IsFitted: false })
            throw new InvalidOperationException(
                $"The {side}'s {map.Name} preconditioner is not fitted: fit it first, or call Train, which fits it.");
        if (fit is { Passed: false })
            throw new InvalidOperationException(
                $"The {side}'s {map.Name} preconditioner failed its invertibility check after fitting " +
                $"(max relative round-trip error {fit.Invertibility?.MaxRelativeError:G3}); it is not used.");
    }
}
