using System.Diagnostics;
using PrecondFlow.Data;
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
    public const int FormatVersion = 1;
    public const string ManifestFile = "pipeline.json";
    public const string PreconditionerFolder = "preconditioner";

    /// <summary>What <c>pipeline.json</c> records.</summary>
    public sealed record Manifest(int FormatVersion, string Preconditioner, PipelineTimes Times, PreconditionerFitReport? PreconditionerFit);

    private PreconditionedModel(IPreconditioner preconditioner, FlowTrainer? trainer, VectorField field, ModelSpec spec,
        PipelineTimes times, PreconditionerFitReport? fit)
    {
        Preconditioner = preconditioner;
        Trainer = trainer;
        Field = field;
        Spec = spec;
        Times = times;
        PreconditionerFit = fit;
        Model = new GenerativeModel(field, spec);
    }

    public IPreconditioner Preconditioner { get; }

    /// <summary>Classes of a label-conditional model (of its main flow or, failing that, its preconditioner); 0 if unconditional.</summary>
    public int NumClasses => Field.NumClasses > 0 ? Field.NumClasses
        : Preconditioner.IsConditional ? (int?)Preconditioner.Describe()["num_classes"] ?? 0 : 0;

    /// <summary>The main flow's trainer when this model was trained in this process (null after loading).</summary>
    public FlowTrainer? Trainer { get; }

    /// <summary>The main flow's network (EMA weights when trained with an EMA).</summary>
    public VectorField Field { get; }

    public ModelSpec Spec { get; }
    public GenerativeModel Model { get; }
    public PipelineTimes Times { get; private set; }
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
    public static PreconditionedModel Train(PointCloud data, IFittablePreconditioner preconditioner, VectorField field, ModelSpec spec,
        TrainingOptions options, IProgress<PreconditionerProgress>? preconditionerProgress = null,
        IProgress<TrainingProgress>? progress = null, Action<PreconditionedModel, int>? onLog = null)
    {
        var clock = Stopwatch.StartNew();
        var fit = preconditioner.Fit(data, options.Seed, preconditionerProgress);
        if (!fit.Passed)
            throw new InvalidOperationException(
                $"The {preconditioner.Name} preconditioner failed its invertibility check after fitting " +
                $"(max relative round-trip error {fit.Invertibility?.MaxRelativeError:G3}); it is not used.");
        double fitSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var transformed = Transform(preconditioner, data);
        double transformSeconds = clock.Elapsed.TotalSeconds;

        var trainer = new FlowTrainer(field, spec, options);
        var model = new PreconditionedModel(preconditioner, trainer, trainer.SamplingField, spec,
            new PipelineTimes(fitSeconds, transformSeconds, 0), fit);
        model.Continue(transformed, progress, onLog);
        return model;
    }

    /// <summary>
    /// Reopens a folder written by <see cref="Save"/> part-way through training and trains the main flow to the end
    /// (P is reloaded, not refitted; the data are transformed by it again).
    /// </summary>
    public static PreconditionedModel Resume(string folder, PointCloud data, Device device,
        IProgress<TrainingProgress>? progress = null, Action<PreconditionedModel, int>? onLog = null)
    {
        var (preconditioner, manifest) = LoadPreconditioner(folder, Checkpoint.ReadManifest(folder).Model.Field.Dim);
        var clock = Stopwatch.StartNew();
        var transformed = Transform(preconditioner, data);
        var trainer = Checkpoint.Load(folder, device);
        var times = (manifest?.Times ?? new PipelineTimes(0, 0, 0)) with { TransformSeconds = clock.Elapsed.TotalSeconds };
        var model = new PreconditionedModel(preconditioner, trainer, trainer.SamplingField, trainer.Spec, times, manifest?.PreconditionerFit);
        model.Continue(transformed, progress, onLog);
        return model;
    }

    private void Continue(PointCloud transformed, IProgress<TrainingProgress>? progress, Action<PreconditionedModel, int>? onLog)
    {
        var trainer = Trainer!;
        TrainingTarget = transformed;
        trainer.Train(transformed, progress: progress, callback: step =>
        {
            Times = Times with { MainFlowSeconds = trainer.Seconds };
            onLog?.Invoke(this, step);
        });
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
    public SampleResult Sample(long count, SamplingOptions options, long seed, Device device, Tensor? labels = null)
    {
        if (Preconditioner.IsConditional && labels is null)
            throw new ArgumentException("This model's preconditioner is label-conditional: sampling needs labels.");
        var inner = Sampler.Sample(Model, count, options, seed, device, Field.IsConditional ? labels : null);
        using var scope = NewDisposeScope();
        var y = Preconditioner.IsConditional ? labels!.to(device) : null;
        var x = Preconditioner.Inverse(inner.Points, y).MoveToOuterDisposeScope();
        var trajectory = inner.Trajectory?.Select(t => Preconditioner.Inverse(t, y).MoveToOuterDisposeScope()).ToArray();
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
        var (u, logDetP) = Preconditioner.Forward(x, labels);
        Tensor? errorP = Preconditioner is FlowPreconditioner { HasExactLogDet: false } flow ? flow.LastLogDetStandardError : null;
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
        return new LikelihoodResult(logDensity.detach().MoveToOuterDisposeScope(), error?.detach().MoveToOuterDisposeScope(),
            (int)x.shape[1], error is null);
    }

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
            Json.WriteFile(Path.Combine(staging, ManifestFile), new Manifest(FormatVersion, Preconditioner.Name, Times, PreconditionerFit));
            if (runConfiguration is not null)
                Json.WriteFile(Path.Combine(staging, ModelFolder.RunFile), runConfiguration);
            extra?.Invoke(staging);
        });
    }

    /// <summary>Reloads a folder written by <see cref="Save"/>; a plain model folder loads with the identity preconditioner.</summary>
    public static PreconditionedModel Load(string folder, Device device, bool preferEma = true)
    {
        var (field, checkpoint) = Checkpoint.LoadField(folder, device, preferEma);
        var (preconditioner, manifest) = LoadPreconditioner(folder, field.Dim);
        return new PreconditionedModel(preconditioner, null, field, checkpoint.Model,
            manifest?.Times ?? new PipelineTimes(0, 0, checkpoint.Seconds), manifest?.PreconditionerFit);
    }

    private static (IPreconditioner Preconditioner, Manifest? Manifest) LoadPreconditioner(string folder, int dim)
    {
        var manifestPath = Path.Combine(folder, ManifestFile);
        if (!File.Exists(manifestPath))
            return (new IdentityPreconditioner(dim), null);
        var manifest = Json.ReadFile<Manifest>(manifestPath);
        if (manifest.FormatVersion != FormatVersion)
            throw new InvalidDataException($"{manifestPath}: format version {manifest.FormatVersion} is not supported (this PrecondFlow reads {FormatVersion}).");
        var preconditioner = Preconditioners.Load(Path.Combine(folder, PreconditionerFolder));
        if (preconditioner.Dim != dim)
        {
            preconditioner.Dispose();
            throw new InvalidDataException($"{folder}: the preconditioner has {preconditioner.Dim} dimensions but the main flow {dim}.");
        }
        return (preconditioner, manifest);
    }

    public void Dispose()
    {
        Preconditioner.Dispose();
        Trainer?.Dispose();
    }
}
