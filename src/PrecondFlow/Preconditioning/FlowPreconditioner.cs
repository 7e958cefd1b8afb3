using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.IO;
using PrecondFlow.Preconditioning.Internal;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// The flow-matching preconditioner (paper §4.2, eq. 25): a small, optionally label-conditional velocity field v
/// trained by flow matching between N(0, I) (t = 0) and the data (t = 1) and stopped early. P is the pushforward
/// of the data back along the flow, x → x(0) integrating from t = 1 to 0; P⁻¹ integrates forwards with the same
/// solver. log|det ∂P/∂x| = ∫₁⁰ ∇·v dt (continuous change of variables): exact up to
/// <see cref="FlowPreconditionerOptions.ExactLogDetUpToDimension"/> dimensions, a Hutchinson estimate above, in
/// which case <see cref="HasExactLogDet"/> is false and <see cref="LastLogDetStandardError"/> holds its standard error.
/// Because the network is small and trained briefly, P makes the data only roughly Gaussian: that is the point — it
/// is cheap, and it only has to improve the conditioning the main flow sees.
/// </summary>
public sealed class FlowPreconditioner : IFittablePreconditioner, IDataParallelFit
{
    /// <summary>The kind written in <c>preconditioner.json</c>.</summary>
    public const string Kind = "flow";

    /// <summary>
    /// Largest accepted relative round-trip error ‖P⁻¹(P(x)) − x‖/‖x‖: P and P⁻¹ are two numerical ODE solutions,
    /// so they invert each other only to the solver's accuracy (≈ 1e-5 at the default tolerances), not to round-off.
    /// </summary>
    public const double RoundTripThreshold = 1e-3;

    private VectorField network;
    private InvertibilityReport? failedCheck;

    /// <summary>Creates an untrained flow preconditioner whose network is initialised from <see cref="FlowPreconditionerOptions.Seed"/>.</summary>
    /// <param name="dim">Dimension of the data, at least 1.</param>
    /// <param name="options">Architecture, training and solver settings; the small 2D default when null.</param>
    /// <param name="numClasses">Number of classes for a label-conditional field, or 0 for an unconditional one.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> &lt; 1 or <paramref name="numClasses"/> &lt; 0.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> fail <see cref="FlowPreconditionerOptions.Validate"/>, or name
    /// hidden widths, an activation or a field that <see cref="FieldConfig.Validate"/> rejects (a UNet whose image shape does
    /// not hold <paramref name="dim"/> values, for one).</exception>
    public FlowPreconditioner(int dim, FlowPreconditionerOptions? options = null, int numClasses = 0)
    {
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "The flow preconditioner needs a data dimension of at least 1.");
        options ??= new FlowPreconditionerOptions();
        options.Validate();
        Dim = dim;
        NumClasses = numClasses;
        Options = options;
        network = NewField(Options.Seed);
    }

    /// <inheritdoc/>
    public string Name => Kind;
    /// <inheritdoc/>
    public int Dim { get; }
    /// <summary>Number of classes of a label-conditional field; 0 when unconditional.</summary>
    public int NumClasses { get; }
    /// <summary>True when built with classes: the velocity field is label-conditional.</summary>
    public bool IsConditional => NumClasses > 0;
    /// <summary>Whether the field has been trained by Fit (or loaded from a trained save); P is unusable before.</summary>
    public bool IsFitted { get; private set; }

    /// <inheritdoc />
    public Distributed.DataParallel? Parallel { get; set; }
    /// <summary>The settings the map was built with.</summary>
    public FlowPreconditionerOptions Options { get; }
    /// <summary>True when Dim ≤ <see cref="FlowPreconditionerOptions.ExactLogDetUpToDimension"/>: the divergence is then
    /// computed exactly; above, the log-det is a Hutchinson estimate.</summary>
    public bool HasExactLogDet => Dim <= Options.ExactLogDetUpToDimension;

    /// <summary>Per-sample standard errors of the last Hutchinson log-determinant estimate (null when exact).</summary>
    public Tensor? LastLogDetStandardError { get; private set; }

    /// <summary>Trainable parameters of the velocity field.</summary>
    public long ParameterCount => VectorFields.ParameterCount(network);

    /// <summary>Where the velocity field's weights are: the device of the data it was fitted on or last applied to.</summary>
    internal Device ParameterDevice => network.parameters().First().device;

    /// <summary>The map's invertibility report when it failed the check after training (the map then refuses use).</summary>
    public InvertibilityReport? FailedInvertibilityCheck => failedCheck;

    /// <summary>The velocity field's architecture: the small MLP by default, or <see cref="FlowPreconditionerOptions.Field"/>
    /// (e.g. the main flow's UNet for images).</summary>
    public FieldConfig Config => Options.FieldFor(Dim, NumClasses);

    private ModelSpec Spec => new(Config, Options.Path, Objective.FlowMatching);

    /// <summary>A fresh network whose initial weights are drawn from <paramref name="seed"/> alone, in evaluation mode
    /// (a UNet's dropout is on only while <see cref="FlowTrainer"/> trains it).</summary>
    private VectorField NewField(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        var field = VectorFields.Create(Config, generator);
        field.eval();
        return field;
    }

    /// <summary>Trains the velocity field by flow matching for <see cref="FlowPreconditionerOptions.Steps"/> steps,
    /// then checks that P⁻¹(P(x)) returns x on a sample of the data.</summary>
    public PreconditionerFitReport Fit(PointCloud data, long seed = 0, IProgress<PreconditionerProgress>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        if (data.Dim != Dim)
            throw new ArgumentException($"The flow preconditioner was built for {Dim} dimensions; the data have {data.Dim}.", nameof(data));
        if (IsConditional && data.Labels is null)
            throw new ArgumentException($"The flow preconditioner is conditioned on {NumClasses} classes: the data need labels.", nameof(data));
        network.Dispose();
        network = NewField(seed);
        network.to(data.Points.device);   // train where the data are (FlowTrainer trains on its field's device)
        failedCheck = null;
        var options = new TrainingOptions(Steps: Options.Steps, BatchSize: Options.BatchSize, LearningRate: Options.LearningRate,
            LogEvery: Math.Max(1, Options.Steps / 50), Seed: seed);
        using var trainer = new FlowTrainer(network, Spec, options, Parallel);
        var fit = trainer.Train(IsConditional ? data : data with { Labels = null, NumClasses = 0 },
            progress: progress is null ? null : new Progress(progress, clock));
        IsFitted = true;

        var check = InvertibilityCheck.Run(this, Subsample(data, 512, seed), RoundTripThreshold);
        if (!check.Passed)
            failedCheck = check;
        var trace = fit.LossTrace.ToArray();
        return new PreconditionerFitReport(Name, clock.Elapsed.TotalSeconds, trace[^1].Loss, trace, check,
            new[] { $"{ParameterCount} parameters, {Options.Steps} flow-matching steps" }, Array.Empty<PreconditionerFitReport>());
    }

    /// <remarks>When x requires a gradient, Z is computed by a second, plain solve that records the graph (the divergence
    /// integral runs on detached copies), so Z is differentiable in x; LogAbsDet then carries no graph.</remarks>
    public (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null)
    {
        Usable();
        Inputs.CheckPoints(x, Dim, "flow preconditioner", nameof(x));
        using var scope = NewDisposeScope();
        var integrator = new LogDensityIntegrator(NewSolver(), new LogDensityOptions(
            Method: HasExactLogDet ? DivergenceMethod.Exact : DivergenceMethod.Hutchinson,
            Probes: Options.HutchinsonProbes, Seed: Options.Seed));
        var result = integrator.Integrate(Dynamics(x, labels), x.detach(), 1.0, 0.0);
        LastLogDetStandardError?.Dispose();
        LastLogDetStandardError = result.StandardError?.detach().DetachFromDisposeScope();
        var z = x.requires_grad ? Solve(x, labels, 1.0, 0.0) : result.Final;
        return (z.MoveToOuterDisposeScope(), result.IntegratedDivergence.MoveToOuterDisposeScope());
    }

    /// <summary>P(x) without the divergence integral: one plain ODE solve from t = 1 to 0, differentiable in x when x
    /// requires a gradient.</summary>
    public Tensor Transform(Tensor x, Tensor? labels = null)
    {
        Usable();
        Inputs.CheckPoints(x, Dim, "flow preconditioner", nameof(x));
        using var scope = NewDisposeScope();
        return Solve(x, labels, 1.0, 0.0).MoveToOuterDisposeScope();
    }

    /// <summary>P⁻¹(z): one plain ODE solve from t = 0 to 1, differentiable in z when z requires a gradient.</summary>
    public Tensor Inverse(Tensor z, Tensor? labels = null)
    {
        Usable();
        Inputs.CheckPoints(z, Dim, "flow preconditioner", nameof(z));
        using var scope = NewDisposeScope();
        return Solve(z, labels, 0.0, 1.0).MoveToOuterDisposeScope();
    }

    /// <summary>Integrates the field from <paramref name="from"/> to <paramref name="to"/> on x's device and in its dtype,
    /// recording the graph only when x requires a gradient (the solvers differentiate through their steps).</summary>
    private Tensor Solve(Tensor x, Tensor? labels, double from, double to)
    {
        using var noGrad = x.requires_grad ? null : no_grad();
        long rows = x.shape[0];
        if (Options.MapBatchSize is not { } size || rows <= size)
            return NewSolver().Integrate(Dynamics(x, labels), x, from, to).Final;
        var pieces = new List<Tensor>();
        for (long start = 0; start < rows; start += size)
        {
            long end = Math.Min(rows, start + size);
            var piece = x.slice(0, start, end, 1);
            pieces.Add(NewSolver().Integrate(Dynamics(piece, labels?.slice(0, start, end, 1)), piece, from, to).Final);
        }
        return cat(pieces, 0);
    }

    private Solvers.Dynamics Dynamics(Tensor x, Tensor? labels)
    {
        Tensor? y = null;
        if (IsConditional)
        {
            Inputs.CheckLabels(x, labels, NumClasses, "flow preconditioner");
            y = labels!.to(ScalarType.Int64).to(x.device);
        }
        var model = new GenerativeModel(FieldFor(x), Spec);
        return model.VelocityDynamics(y);
    }

    private VectorField FieldFor(Tensor x)
    {
        var first = network.parameters().First();
        if (first.dtype != x.dtype || first.device.type != x.device.type || first.device.index != x.device.index)
            network.to(x.dtype).to(x.device);
        return network;
    }

    private IOdeSolver NewSolver() => OdeSolvers.Create(Options.Solver, Options.SolverSteps, Options.Adaptive);

    private static PointCloud Subsample(PointCloud data, long count, long seed)
    {
        if (data.Count <= count)
            return data;
        using var g = new Generator((ulong)seed);
        // Drawn on the CPU (the same subset on every device), used where the data are.
        var index = randperm(data.Count, generator: g).slice(0, 0, count, 1).to(data.Points.device);
        return new PointCloud(data.Points.index_select(0, index), data.Labels?.index_select(0, index), data.NumClasses);
    }

    private void Usable()
    {
        if (!IsFitted)
            throw new InvalidOperationException("The flow preconditioner is not trained yet: call Fit first.");
        if (failedCheck is { } c)
            throw new InvalidOperationException(
                $"The flow preconditioner failed its invertibility check (max relative round-trip error {c.MaxRelativeError:G3} > {c.Threshold:G3}); " +
                "tighten the solver tolerances or train it longer.");
    }

    /// <summary>kind, dim, num_classes, fitted, parameters (<see cref="ParameterCount"/>) and options.</summary>
    public JsonObject Describe() => new()
    {
        ["kind"] = Kind,
        ["dim"] = Dim,
        ["num_classes"] = NumClasses,
        ["fitted"] = IsFitted,
        ["parameters"] = ParameterCount,
        ["options"] = JsonSerializer.SerializeToNode(Options, Json.Options),
    };

    /// <summary>Writes <c>preconditioner.json</c> and the field's float32 weights (TorchSharp's <c>Module.save</c> format).</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The map is not trained, or failed its invertibility check.</exception>
    public void Save(string folder)
    {
        Usable();
        // Trained in float32; a float64 input only upcasts it exactly, so the float32 weights lose nothing.
        network.to(ScalarType.Float32);
        PreconditionerFolder.Save(folder, Describe(), writer => network.save(writer));
    }

    /// <summary>The network's float32 weights by state-dict name (as <see cref="Save"/> writes them), for export.</summary>
    internal IReadOnlyList<(string Name, Tensor Value)> StateTensors()
    {
        Usable();
        network.to(ScalarType.Float32);
        return network.state_dict().Select(e => (e.Key, e.Value)).ToArray();
    }

    internal static FlowPreconditioner Load(Description description)
    {
        var options = description.Options<FlowPreconditionerOptions>("flow-preconditioner", o => o.Validate());
        var result = new FlowPreconditioner(description.Int("dim"), options, description.Int("num_classes"));
        try
        {
            PreconditionerFolder.ReadWeights(description, reader => result.network.load(reader));
            FiniteWeights.Require(result.network, Path.Combine(description.Folder, PreconditionerFolder.WeightsFileName));
        }
        catch
        {
            result.Dispose();
            throw;
        }
        result.IsFitted = description.Bool("fitted");
        return result;
    }

    /// <summary>Releases the network and the last log-det standard errors.</summary>
    public void Dispose()
    {
        network.Dispose();
        LastLogDetStandardError?.Dispose();
    }

    private sealed class Progress : IProgress<TrainingProgress>
    {
        private readonly IProgress<PreconditionerProgress> target;
        private readonly Stopwatch clock;

        public Progress(IProgress<PreconditionerProgress> target, Stopwatch clock)
        {
            this.target = target;
            this.clock = clock;
        }

        public void Report(TrainingProgress value) =>
            target.Report(new PreconditionerProgress(Kind, value.Step, value.TotalSteps, value.Loss, clock.Elapsed.TotalSeconds));
    }
}
