using System.Diagnostics;
using System.Text.Json.Nodes;
using PrecondFlow.Data;
using PrecondFlow.Distributed;
using PrecondFlow.Fields;
using PrecondFlow.IO;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Pipeline;

/// <summary>
/// The method of the paper as one model: an invertible preconditioner P and a main flow F trained from N(0, I) to
/// the law of P(x). Sampling draws z ~ N(0, I), runs F to t = 1 and returns P⁻¹ of the result; the likelihood is
/// log p(x) = log N(F⁻¹(P(x))) + log|det ∂F⁻¹/∂u| + log|det ∂P/∂x| with u = P(x). The baseline is the same model with
/// the identity preconditioner. One folder holds both stages (<see cref="Save"/>, <see cref="Load"/>).
/// </summary>
public sealed class PreconditionedModel : IDisposable
{
    /// <summary>The folder format version this class writes (<see cref="FolderManifest.CurrentVersion"/>).</summary>
    public const int FormatVersion = FolderManifest.CurrentVersion;
    /// <summary>The kind recorded in <see cref="ManifestFile"/>: "pipeline".</summary>
    public const string Kind = "pipeline";
    /// <summary>The pipeline's manifest, next to the main flow's checkpoint files in the same folder.</summary>
    public const string ManifestFile = "pipeline.json";
    /// <summary>The subfolder holding P, in the preconditioner's own folder format.</summary>
    public const string PreconditionerFolder = "preconditioner";

    /// <summary>The file in which <see cref="Save"/> records the caller's run configuration, when one is given.</summary>
    public const string RunFile = "run.json";

    /// <summary>What <c>pipeline.json</c> records (in the folder format of <see cref="FolderManifest"/>: kind "pipeline",
    /// settings: the preconditioner's name; state: the stage times and P's fit report).</summary>
    /// <param name="FormatVersion">The version the folder was written with.</param>
    /// <param name="Preconditioner">P's name, e.g. "whiten" or "identity".</param>
    /// <param name="Times">Wall-clock seconds of each stage.</param>
    /// <param name="PreconditionerFit">P's fit report; null when it was unknown to the model that was saved (e.g. P passed fitted without a report).</param>
    public sealed record Manifest(int FormatVersion, string Preconditioner, PipelineTimes Times, PreconditionerFitReport? PreconditionerFit);

    private sealed record ManifestSettings(string Preconditioner);

    private sealed record ManifestState(PipelineTimes Times, PreconditionerFitReport? PreconditionerFit);

    private readonly bool ownsField;

    private PreconditionedModel(IPreconditioner preconditioner, FlowTrainer? trainer, VectorField field, ModelSpec spec,
        PipelineTimes times, PreconditionerFitReport? fit, bool ownsField = false)
    {
        this.ownsField = ownsField;
        Preconditioner = preconditioner;
        Trainer = trainer;
        Field = field;
        Spec = spec;
        Times = times;
        PreconditionerFit = fit;
        Model = new GenerativeModel(field, spec);
    }

    /// <summary>P, the invertible data map (SPEC §5); the model owns and disposes it.</summary>
    public IPreconditioner Preconditioner { get; }

    /// <summary>Classes of a label-conditional model (of its main flow or, failing that, its preconditioner); 0 if unconditional.</summary>
    public int NumClasses => Field.NumClasses > 0 ? Field.NumClasses : Preconditioner.NumClasses;

    /// <summary>The main flow's trainer when this model was trained in this process (null after loading).</summary>
    public FlowTrainer? Trainer { get; }

    /// <summary>The main flow's network (EMA weights when trained with an EMA).</summary>
    public VectorField Field { get; }

    /// <summary>The main flow's path and objective.</summary>
    public ModelSpec Spec { get; }
    /// <summary>The main flow F as a generative model in P's coordinates (on <see cref="Field"/>).</summary>
    public GenerativeModel Model { get; }
    /// <summary>Wall-clock seconds of each stage; the main flow's share grows while training continues.</summary>
    public PipelineTimes Times { get; private set; }
    /// <summary>P's fit report: from <see cref="Train"/>, as given to <see cref="TrainOnFitted"/>, or as saved; null when unknown.</summary>
    public PreconditionerFitReport? PreconditionerFit { get; }

    /// <summary>
    /// P(x) of the training data, with its labels: what the main flow was trained on by <see cref="Train"/> or
    /// <see cref="Resume"/> (null for a loaded or composed model). It belongs to the caller's dispose scope of that call.
    /// </summary>
    public PointCloud? TrainingTarget { get; private set; }

    /// <summary>Fits P on the data, transforms them, and trains the main flow on P(x).</summary>
    /// <param name="preconditioner">An unfitted preconditioner; the model owns it afterwards.</param>
    /// <param name="field">The main flow's network, on the training device.</param>
    /// <param name="preconditionerProgress">Receives P's training progress (learned preconditioners).</param>
    /// <param name="progress">Receives the main flow's training progress.</param>
    /// <param name="onLog">Called with the model and the step every LogEvery steps of the main flow (e.g. to save a checkpoint).</param>
    /// <param name="data">(n, Dim) training points, with (n) int64 labels for a conditional P or main flow.</param>
    /// <param name="spec">The main flow's path and objective.</param>
    /// <param name="options">The main flow's training settings; their seed also seeds P's fit.</param>
    /// <param name="source">Start points (n₀, Dim) of the main flow instead of N(0, I), in the main flow's coordinates (P is
    /// applied to the target only; see <see cref="FlowTrainer.Train"/>); null: x₀ ~ N(0, I). Pass it again to <see cref="Resume"/>.</param>
    /// <exception cref="InvalidOperationException">P failed its invertibility check after fitting.</exception>
    /// <param name="parallel">Data-parallel training of the main flow over several processes (see <see cref="FlowTrainer"/>), or null for one process.</param>
    public static PreconditionedModel Train(PointCloud data, IFittablePreconditioner preconditioner, VectorField field, ModelSpec spec,
        TrainingOptions options, IProgress<PreconditionerProgress>? preconditionerProgress = null,
        IProgress<TrainingProgress>? progress = null, Action<PreconditionedModel, int>? onLog = null, PointCloud? source = null,
        DataParallel? parallel = null)
    {
        var clock = Stopwatch.StartNew();
        if (parallel is not null)
            ShareFitting(preconditioner, parallel);
        var fit = preconditioner.Fit(data, options.Seed, preconditionerProgress);
        if (!fit.Passed)
            throw new InvalidOperationException(
                $"The {preconditioner.Name} preconditioner failed its invertibility check after fitting " +
                $"(max relative round-trip error {fit.Invertibility?.MaxRelativeError:G3}); it is not used.");
        return TrainMainFlow(data, preconditioner, field, spec, options, clock.Elapsed.TotalSeconds, fit, progress, onLog, source, parallel);
    }

    /// <summary>
    /// Trains the main flow on P(x) with a preconditioner that is already fitted: P is used as it is, not refitted (e.g.
    /// one fitted once and shared by several main flows, or loaded from a folder). Its fit is charged as given:
    /// <paramref name="fit"/>'s seconds when a report is passed, else nothing.
    /// </summary>
    /// <param name="data">(n, Dim) training points, with labels for a conditional P or main flow.</param>
    /// <param name="preconditioner">A fitted preconditioner; the model owns it afterwards.</param>
    /// <param name="field">The main flow's network, on the training device.</param>
    /// <param name="fit">P's fit report, when known: kept in <see cref="PreconditionerFit"/> and charged to
    /// <see cref="PipelineTimes.PreconditionerSeconds"/>.</param>
    /// <param name="progress">Receives the main flow's training progress.</param>
    /// <param name="onLog">Called with the model and the step every LogEvery steps of the main flow.</param>
    /// <exception cref="InvalidOperationException">P is not fitted, or its report says it failed its invertibility check.</exception>
    /// <param name="spec">The main flow's path and objective.</param>
    /// <param name="options">The main flow's training settings.</param>
    /// <param name="source">Start points (n₀, Dim) of the main flow instead of N(0, I), in the main flow's coordinates (P is
    /// applied to the target only; see <see cref="FlowTrainer.Train"/>); null: x₀ ~ N(0, I). Pass it again to <see cref="Resume"/>.</param>
    /// <param name="parallel">Data-parallel training of the main flow over several processes (see <see cref="FlowTrainer"/>), or null for one process.</param>
    public static PreconditionedModel TrainOnFitted(PointCloud data, IPreconditioner preconditioner, VectorField field, ModelSpec spec,
        TrainingOptions options, PreconditionerFitReport? fit = null, IProgress<TrainingProgress>? progress = null,
        Action<PreconditionedModel, int>? onLog = null, PointCloud? source = null, DataParallel? parallel = null)
    {
        if (preconditioner is IFittablePreconditioner { IsFitted: false })
            throw new InvalidOperationException(
                $"The {preconditioner.Name} preconditioner is not fitted: fit it first, or call Train, which fits it.");
        if (fit is { Passed: false })
            throw new InvalidOperationException(
                $"The {preconditioner.Name} preconditioner failed its invertibility check after fitting " +
                $"(max relative round-trip error {fit.Invertibility?.MaxRelativeError:G3}); it is not used.");
        return TrainMainFlow(data, preconditioner, field, spec, options, fit?.Seconds ?? 0, fit, progress, onLog, source, parallel);
    }

    /// <summary>Lets every learned member of <paramref name="preconditioner"/> (chains included) fit data-parallel.</summary>
    private static void ShareFitting(IPreconditioner preconditioner, DataParallel parallel)
    {
        if (preconditioner is IDataParallelFit learned)
            learned.Parallel = parallel;
        if (preconditioner is PreconditionerChain chain)
            foreach (var member in chain.Members)
                ShareFitting(member, parallel);
    }

    private static PreconditionedModel TrainMainFlow(PointCloud data, IPreconditioner preconditioner, VectorField field, ModelSpec spec,
        TrainingOptions options, double fitSeconds, PreconditionerFitReport? fit, IProgress<TrainingProgress>? progress,
        Action<PreconditionedModel, int>? onLog, PointCloud? source, DataParallel? parallel)
    {
        var clock = Stopwatch.StartNew();
        var transformed = Transform(preconditioner, data);
        double transformSeconds = clock.Elapsed.TotalSeconds;

        var trainer = new FlowTrainer(field, spec, options, parallel);
        var model = new PreconditionedModel(preconditioner, trainer, trainer.SamplingField, spec,
            new PipelineTimes(fitSeconds, transformSeconds, 0), fit);
        model.Continue(transformed, progress, onLog, source, data);
        return model;
    }

    /// <summary>
    /// Reopens a folder written by <see cref="Save"/> part-way through training and trains the main flow to the end
    /// (P is reloaded, not refitted; the data are transformed by it again).
    /// </summary>
    /// <param name="folder">The model folder written part-way.</param>
    /// <param name="data">The same training data as before (in data coordinates).</param>
    /// <param name="device">Where to continue.</param>
    /// <param name="progress">Receives the main flow's training progress.</param>
    /// <param name="onLog">Called with the model and the step every LogEvery steps of the main flow.</param>
    /// <param name="source">The start points the run was trained from, if any (not saved with the folder).</param>
    /// <param name="parallel">Data-parallel training of the main flow over several processes (see <see cref="FlowTrainer"/>), or null for one process.</param>
    public static PreconditionedModel Resume(string folder, PointCloud data, Device device,
        IProgress<TrainingProgress>? progress = null, Action<PreconditionedModel, int>? onLog = null, PointCloud? source = null,
        DataParallel? parallel = null)
    {
        var (preconditioner, manifest) = LoadPreconditioner(folder, Checkpoint.ReadManifest(folder).Model.Field.Dim);
        var clock = Stopwatch.StartNew();
        var transformed = Transform(preconditioner, data);
        var trainer = Checkpoint.Load(folder, device, parallel);
        var times = (manifest?.Times ?? new PipelineTimes(0, 0, 0)) with { TransformSeconds = clock.Elapsed.TotalSeconds };
        var model = new PreconditionedModel(preconditioner, trainer, trainer.SamplingField, trainer.Spec, times, manifest?.PreconditionerFit);
        model.Continue(transformed, progress, onLog, source, data);
        return model;
    }

    private void Continue(PointCloud transformed, IProgress<TrainingProgress>? progress, Action<PreconditionedModel, int>? onLog,
        PointCloud? source, PointCloud data)
    {
        var trainer = Trainer!;
        TrainingTarget = transformed;
        trainer.Train(transformed, progress: progress, callback: step =>
        {
            Times = Times with { MainFlowSeconds = trainer.Seconds };
            onLog?.Invoke(this, step);
        }, source: source, couplingView: data);
        Times = Times with { MainFlowSeconds = trainer.Seconds };
    }

    /// <summary>Puts an already fitted preconditioner and a trained main-flow network together (not savable: no trainer).</summary>
    public static PreconditionedModel Compose(IPreconditioner preconditioner, VectorField field, ModelSpec spec) =>
        new(preconditioner, null, field, spec, new PipelineTimes(0, 0, 0), null);

    /// <summary>P(x) for a whole data set, in batches, without gradients; labels carried along.</summary>
    public static PointCloud Transform(IPreconditioner preconditioner, PointCloud data, long batchSize = 8192)
    {
        var chunks = new List<Tensor>();
        using (no_grad())
        {
            for (long start = 0; start < data.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long end = Math.Min(data.Count, start + batchSize);
                var x = data.Points.slice(0, start, end, 1);
                var y = preconditioner.IsConditional ? data.Labels?.slice(0, start, end, 1) : null;
                chunks.Add(preconditioner.Transform(x, y).detach().MoveToOuterDisposeScope());
            }
        }
        var z = cat(chunks, 0);
        foreach (var c in chunks)
            c.Dispose();
        return data with { Points = z };
    }

    /// <summary>Samples x = P⁻¹(F(z)), z ~ N(0, I).</summary>
    /// <param name="count">Number of samples.</param>
    /// <param name="options">ODE or reverse-SDE settings of the main flow.</param>
    /// <param name="seed">Seed of the base noise (and of the SDE's noise).</param>
    /// <param name="device">The model's device.</param>
    /// <param name="labels">(count) labels of a conditional model (the slice's with <paramref name="rows"/>), or null.</param>
    /// <param name="rows">Only these rows of the <paramref name="count"/> samples, equal to those rows of the whole
    /// batch (see <see cref="Sampler.Sample"/>), with <paramref name="labels"/> the slice's; null for all.</param>
    public SampleResult Sample(long count, SamplingOptions options, long seed, Device device, Tensor? labels = null,
        RowSlice? rows = null)
    {
        if (Preconditioner.IsConditional && labels is null)
            throw new ArgumentException("This model's preconditioner is label-conditional: sampling needs labels.");
        var inner = Sampler.Sample(Model, count, options, seed, device, Field.IsConditional ? labels : null, rows);
        using var scope = NewDisposeScope();
        var y = Preconditioner.IsConditional ? labels!.to(device) : null;
        var x = Preconditioner.Inverse(inner.Points, y).MoveToOuterDisposeScope();
        var trajectory = inner.Trajectory?.Select(t => Preconditioner.Inverse(t, y).MoveToOuterDisposeScope()).ToArray();
        return inner with { Points = x, Labels = labels, Trajectory = trajectory };
    }

    /// <summary>Transports given start points: x = P⁻¹(F(x₀)), for a main flow trained from source points (or from N(0, I)).</summary>
    /// <param name="x0">(count, Dim) start points in the main flow's coordinates (as given to training's source).</param>
    /// <param name="options">ODE or SDE settings of the main flow.</param>
    /// <param name="labels">(count) labels of a conditional model, or null.</param>
    /// <returns>Points: (count, Dim) end points in data coordinates; Trajectory (when kept) mapped back by P⁻¹.</returns>
    public SampleResult SampleFrom(Tensor x0, SamplingOptions options, Tensor? labels = null)
    {
        if (Preconditioner.IsConditional && labels is null)
            throw new ArgumentException("This model's preconditioner is label-conditional: sampling needs labels.");
        var parameter = Field.parameters().First();
        var inner = Sampler.SampleFrom(Model, x0.to(parameter.dtype, parameter.device), options,
            Field.IsConditional ? labels?.to(parameter.device) : null);
        using var scope = NewDisposeScope();
        var y = Preconditioner.IsConditional ? labels!.to(parameter.device) : null;
        using var _ = no_grad();
        var x = Preconditioner.Inverse(inner.Points, y).MoveToOuterDisposeScope();
        var trajectory = inner.Trajectory?.Select(t => Preconditioner.Inverse(t, y).MoveToOuterDisposeScope()).ToArray();
        return inner with { Points = x, Labels = labels, Trajectory = trajectory };
    }

    /// <summary>
    /// Runs the model backwards, data → base: z = F⁻¹(P(x)), with F⁻¹ the main flow integrated from t = 1 to its start
    /// time. <see cref="Sample"/> of z gives back x up to the solver's accuracy (and P's round-trip error). A perfect
    /// model turns data into N(0, I) samples.
    /// </summary>
    /// <param name="x">(count, Dim) data points.</param>
    /// <param name="options">ODE settings of the main flow (solver, steps, tolerances, guidance, trajectory).</param>
    /// <param name="labels">(count) labels of a conditional model (its P, its main flow or both), or null.</param>
    /// <returns>Points: (count, Dim) latent codes in the main flow's dtype, on its device; Trajectory (when kept): the
    /// main flow's states mapped back to data space by P⁻¹, starting at x.</returns>
    public SampleResult Encode(Tensor x, SamplingOptions options, Tensor? labels = null)
    {
        if (Preconditioner.IsConditional && labels is null)
            throw new ArgumentException("This model's preconditioner is label-conditional: running it backwards needs labels.");
        var parameter = Field.parameters().First();
        using var scope = NewDisposeScope();
        var y = labels?.to(parameter.device);
        Tensor u;
        using (no_grad())
            u = Preconditioner.Transform(x.to(parameter.dtype, parameter.device), Preconditioner.IsConditional ? y : null);
        var inner = Sampler.Encode(Model, u, options, Field.IsConditional ? y : null);
        var trajectory = inner.Trajectory?.Select(t =>
        {
            using var _ = no_grad();
            return Preconditioner.Inverse(t, Preconditioner.IsConditional ? y : null).MoveToOuterDisposeScope();
        }).ToArray();
        inner.Points.MoveToOuterDisposeScope();
        return inner with { Labels = labels, Trajectory = trajectory };
    }

    /// <summary>
    /// Runs the model forwards from given base points, x = P⁻¹(F(z)): <see cref="Sample"/> without drawing z, and the
    /// inverse of <see cref="Encode"/> up to the solver's accuracy.
    /// </summary>
    /// <param name="z">(count, Dim) base points (latent codes).</param>
    /// <param name="options">ODE settings of the main flow.</param>
    /// <param name="labels">(count) labels of a conditional model, or null.</param>
    /// <returns>Points: (count, Dim) data points; Trajectory (when kept): the main flow's states mapped by P⁻¹.</returns>
    public SampleResult Decode(Tensor z, SamplingOptions options, Tensor? labels = null)
    {
        if (Preconditioner.IsConditional && labels is null)
            throw new ArgumentException("This model's preconditioner is label-conditional: decoding needs labels.");
        var parameter = Field.parameters().First();
        using var scope = NewDisposeScope();
        var y = labels?.to(parameter.device);
        var inner = Sampler.SampleFrom(Model, z, options, Field.IsConditional ? y : null);
        using var _ = no_grad();
        var py = Preconditioner.IsConditional ? y : null;
        var x = Preconditioner.Inverse(inner.Points, py).MoveToOuterDisposeScope();
        var trajectory = inner.Trajectory?.Select(t => Preconditioner.Inverse(t, py).MoveToOuterDisposeScope()).ToArray();
        return inner with { Points = x, Labels = labels, Trajectory = trajectory };
    }

    /// <summary>
    /// log p(x) of the composed model. The main flow's divergence integral is exact up to
    /// <paramref name="options"/>' exact dimension and a Hutchinson estimate (with standard error) above.
    /// Score models integrate down to their start time 1e-3, where the marginal is taken as N(0, I).
    /// </summary>
    public LikelihoodResult LogLikelihood(Tensor x, Tensor? labels = null, IOdeSolver? solver = null, LogDensityOptions? options = null)
    {
        using var scope = NewDisposeScope();
        // Everything runs in the main flow's dtype and on its device: a float32 network cannot use float64 points, and
        // casting once here keeps P, F and both log-dets in one precision.
        var parameter = Field.parameters().First();
        x = x.to(parameter.dtype, parameter.device);
        labels = labels?.to(parameter.device);
        var (u, logDetP) = Preconditioner.Forward(x, labels);
        var errorP = LogDetStandardError(Preconditioner);
        var integrator = new LogDensityIntegrator(solver ?? new DormandPrinceSolver(new AdaptiveOptions(1e-6, 1e-6)), options);
        var y = Field.IsConditional ? labels : null;
        var main = integrator.Integrate(Model.VelocityDynamics(y), u.detach(), 1.0, Model.StartTime);
        var logDensity = main.LogDensityAtStart() + logDetP.to(main.Final.dtype);
        Tensor? error = (main.StandardError, errorP) switch
        {
            (null, null) => null,
            ({ } a, null) => a,
            (null, { } b) => b,
            ({ } a, { } b) => (a.square() + b.square()).sqrt(),
        };
        // Exact only when no term was estimated: a one-probe Hutchinson estimate has no standard error but is still an estimate.
        bool exact = main.Method == DivergenceMethod.Exact && Preconditioner.HasExactLogDet;
        return new LikelihoodResult(logDensity.detach().MoveToOuterDisposeScope(), error?.detach().MoveToOuterDisposeScope(),
            (int)x.shape[1], exact);
    }

    /// <summary>Standard error of P's last log-det estimate: that of each flow preconditioner with a Hutchinson log-det,
    /// combined in quadrature through chains; null when no member reports one.</summary>
    private static Tensor? LogDetStandardError(IPreconditioner preconditioner) => preconditioner switch
    {
        FlowPreconditioner { HasExactLogDet: false } flow => flow.LastLogDetStandardError,
        PreconditionerChain chain => chain.Members.Select(LogDetStandardError).OfType<Tensor>()
            .Aggregate((Tensor?)null, (sum, e) => sum is null ? e.square() : sum + e.square())?.sqrt(),
        _ => null,
    };

    /// <summary>Writes both stages into a folder atomically: the main flow's checkpoint at the top,
    /// P in <c>preconditioner/</c>, stage times in <c>pipeline.json</c>, plus whatever <paramref name="extra"/> adds.</summary>
    public void Save(string folder, object? runConfiguration = null, Action<string>? extra = null)
    {
        if (Trainer is null)
            throw new InvalidOperationException("Only a model trained in this process can be saved (a loaded one is already on disk).");
        AtomicFile.WriteFolder(folder, staging =>
        {
            Checkpoint.WriteInto(staging, Trainer);
            Preconditioner.Save(Path.Combine(staging, PreconditionerFolder));
            FolderManifest.Write(staging, ManifestFile, Kind, new ManifestSettings(Preconditioner.Name),
                new ManifestState(Times, PreconditionerFit), fileNames: []);
            if (runConfiguration is not null)
                Json.WriteFile(Path.Combine(staging, RunFile), runConfiguration);
            extra?.Invoke(staging);
        });
    }

    /// <summary>Reloads a folder written by <see cref="Save"/>; a plain model folder loads with the identity preconditioner.</summary>
    public static PreconditionedModel Load(string folder, Device device, bool preferEma = true) =>
        SwapTolerantLoad.Run(folder, Checkpoint.ManifestFile, () => LoadOnce(folder, device, preferEma));

    private static PreconditionedModel LoadOnce(string folder, Device device, bool preferEma)
    {
        var (field, checkpoint) = Checkpoint.LoadField(folder, device, preferEma);
        IPreconditioner preconditioner;
        Manifest? manifest;
        try
        {
            (preconditioner, manifest) = LoadPreconditioner(folder, field.Dim);
        }
        catch
        {
            field.Dispose();
            throw;
        }
        return new PreconditionedModel(preconditioner, null, field, checkpoint.Model,
            manifest?.Times ?? new PipelineTimes(0, 0, checkpoint.Seconds), manifest?.PreconditionerFit, ownsField: true);
    }

    private static (IPreconditioner Preconditioner, Manifest? Manifest) LoadPreconditioner(string folder, int dim)
    {
        var manifestPath = Path.Combine(folder, ManifestFile);
        if (!File.Exists(manifestPath))
        {
            // A plain checkpoint has neither; a preconditioner without its manifest is a damaged pipeline, and sampling
            // without P⁻¹ would write points in the wrong space without a word.
            if (Directory.Exists(Path.Combine(folder, PreconditionerFolder)))
                throw new InvalidDataException(
                    $"{manifestPath} is missing, but the folder holds a preconditioner: the folder '{folder}' is damaged. " +
                    "Train it again, or restore it from a copy.");
            return (new IdentityPreconditioner(dim), null);
        }
        var files = FolderManifest.Read(folder, ManifestFile, "model", UpgradeVersion1);
        files.RequireKind(Kind);
        var state = files.State<ManifestState>();
        var manifest = new Manifest(files.Version, files.Get<string>("settings.preconditioner"), state.Times, state.PreconditionerFit);
        var preconditioner = Preconditioners.Load(Path.Combine(folder, PreconditionerFolder));
        if (preconditioner.Dim != dim)
        {
            preconditioner.Dispose();
            throw new InvalidDataException($"{folder}: the preconditioner has {preconditioner.Dim} dimensions but the main flow {dim}.");
        }
        return (preconditioner, manifest);
    }

    /// <summary>Version 1 kept the preconditioner's name at the top.</summary>
    private static JsonObject UpgradeVersion1(JsonObject old)
    {
        var upgraded = new JsonObject
        {
            ["format_version"] = 1,
            ["kind"] = Kind,
            ["settings"] = new JsonObject { ["preconditioner"] = old["preconditioner"]?.DeepClone() },
        };
        foreach (var (key, value) in old)
            if (key is not ("format_version" or "preconditioner"))
                upgraded[key] = value?.DeepClone();
        upgraded["files"] = new JsonObject();
        return upgraded;
    }

    /// <summary>Disposes P and, when this model was trained in this process, the main flow's trainer.</summary>
    public void Dispose()
    {
        Preconditioner.Dispose();
        Trainer?.Dispose();
        if (ownsField)
            Field.Dispose();   // a loaded model built its network itself; a trained one's belongs to its trainer's caller
    }
}
