using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PrecondFlow.Data;
using PrecondFlow.Data.Internal;
using PrecondFlow.IO;
using PrecondFlow.Preconditioning.Internal;
using PrecondFlow.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// The normalizing-flow preconditioner of paper §4.1 (App. F.1): a RealNVP of affine coupling layers, trained by
/// maximum likelihood so that P(x) ~ N(0, I), i.e. minimising −E[log N(P(x); 0, I) + log|det ∂P/∂x|] (eq. 23–24).
/// Inverse and log-det are exact.
/// </summary>
/// <remarks>
/// <para>Each coupling keeps one half of the coordinates and applies a learned scale-and-shift to the other,
/// x_b ← x_b·exp(s) + t, with (s, t) from an MLP (ReLU) of the kept half and, when conditional, a one-hot label.
/// The log-scale is soft-clamped, s = B·tanh(raw / B) (<see cref="RealNvpOptions.ScaleBound"/>), so exp(±s) stays
/// finite. The transformed half alternates, with fixed seeded random permutations between couplings. Every MLP's last
/// layer starts at zero, so an untrained RealNVP is the identity map and may be used as such.</para>
/// <para>Parameters are trained and saved in float32. A float64 input runs through a float64 copy of the same weights,
/// so round trips in float64 are exact to float64 rounding.</para>
/// <para><b>Invertibility.</b> After training, <see cref="InvertibilityCheck"/> runs on a seeded subset of the training
/// points (float32). A map that fails it is <em>marked</em>, not silently used: the fit report says so
/// (<see cref="PreconditionerFitReport.Passed"/> is false), and <see cref="Forward"/>, <see cref="Inverse"/> and
/// <see cref="Save"/> then throw until the map is trained again. A training whose loss becomes NaN or infinite throws,
/// and leaves the map refusing use in the same way.</para>
/// <para>Dimension 1 is not supported: a coupling needs a second half to condition on. Whiten 1-D data instead.</para>
/// </remarks>
public sealed class RealNvp : IFittablePreconditioner, IDataParallelFit
{
    /// <summary>The kind written in <c>preconditioner.json</c>.</summary>
    public const string Kind = "realnvp";

    private RealNvpNetwork network;          // float32: trained and saved
    private RealNvpNetwork? network64;       // float64 copy for float64 inputs, made on demand
    private InvertibilityReport? failedCheck;
    private string? divergence;              // set when the last training diverged: the weights are not usable

    /// <summary>Creates an untrained RealNVP (the identity map) with permutations and weights drawn from
    /// <see cref="RealNvpOptions.Seed"/>.</summary>
    /// <param name="dim">Dimension of the data, at least 2.</param>
    /// <param name="options">Architecture and training settings; the paper's architecture by default.</param>
    /// <param name="numClasses">Number of classes for a label-conditional map, or 0 for an unconditional one.</param>
    public RealNvp(int dim, RealNvpOptions? options = null, int numClasses = 0)
    {
        if (dim < 2)
            throw new ArgumentOutOfRangeException(nameof(dim), dim,
                "RealNVP needs a data dimension of at least 2: a coupling layer transforms one half of the coordinates " +
                "conditioned on the other, and 1-D data have no second half. Use affine whitening ('whiten') for 1-D data.");
        if (numClasses < 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses,
                "The number of classes cannot be negative; use 0 for an unconditional RealNVP.");
        options ??= new RealNvpOptions();
        options.Validate();
        Dim = dim;
        NumClasses = numClasses;
        Options = options;
        network = new RealNvpNetwork(dim, numClasses, options, options.Seed, ScalarType.Float32);
    }

    /// <inheritdoc/>
    public string Name => Kind;

    /// <summary>True when built with classes: each coupling's MLP also sees a one-hot label.</summary>
    public bool IsConditional => NumClasses > 0;

    /// <inheritdoc/>
    public int Dim { get; }

    /// <summary>True: the log-det is the sum of the couplings' log-scales.</summary>
    public bool HasExactLogDet => true;

    /// <summary>Whether the map has been trained (or loaded from a trained save); an untrained RealNVP is the identity.</summary>
    public bool IsFitted { get; private set; }

    /// <inheritdoc />
    public Distributed.DataParallel? Parallel { get; set; }

    /// <summary>Number of classes; 0 when unconditional.</summary>
    public int NumClasses { get; }

    /// <summary>The settings; after a fit, <see cref="RealNvpOptions.Seed"/> is the seed that fit used.</summary>
    public RealNvpOptions Options { get; private set; }

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount => network.parameters().Sum(p => p.numel());

    /// <summary>The failed check after the last training, or null when the map is usable.</summary>
    public InvertibilityReport? FailedInvertibilityCheck => failedCheck;

    /// <summary>Trains with <see cref="Options"/>, seed included; see <see cref="Train(PointCloud, RealNvpOptions?, IProgress{PreconditionerProgress}?)"/>.</summary>
    /// <param name="data">(n, Dim) points, with labels when conditional.</param>
    /// <param name="seed">Seed of the permutations, initial weights and batch order; replaces <see cref="RealNvpOptions.Seed"/>.</param>
    /// <param name="progress">Receives each loss read back.</param>
    public PreconditionerFitReport Fit(PointCloud data, long seed = 0, IProgress<PreconditionerProgress>? progress = null) =>
        Train(data, Options with { Seed = seed }, progress);

    /// <summary>
    /// Trains by maximum likelihood with AdamW, starting from the identity map drawn from the options' seed, so that the
    /// same data and options give the same map bit for bit. The network is rebuilt from <paramref name="options"/>, which
    /// become <see cref="Options"/>. Each step runs in its own dispose scope; the loss is read back every
    /// <see cref="RealNvpOptions.LogEvery"/> steps. The invertibility check runs at the end (see remarks).
    /// </summary>
    /// <param name="data">(n, Dim) points (cast to float32), with labels when conditional.</param>
    /// <param name="options">Settings for this training and the architecture; <see cref="Options"/> when null.</param>
    /// <param name="progress">Receives each loss read back.</param>
    /// <returns>Seconds, loss trace and final loss (negative log-likelihood, nats per sample), and the check.</returns>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite (training diverged).</exception>
    public PreconditionerFitReport Train(PointCloud data, RealNvpOptions? options = null,
        IProgress<PreconditionerProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= Options;
        options.Validate();
        var clock = Stopwatch.StartNew();
        Inputs.CheckPoints(data.Points, Dim, "RealNVP", nameof(data));
        var n = data.Count;
        if (n < 1)
            throw new ArgumentException("RealNVP cannot be trained on an empty point cloud.", nameof(data));
        if (IsConditional)
            Inputs.CheckLabels(data.Points, data.Labels, NumClasses, "RealNVP");

        Tensor x;
        Tensor? labels;
        using (var prepare = torch.NewDisposeScope())
        {
            // Trained where the data are: no copy to the CPU (the batch order is still drawn there, see below).
            x = data.Points.detach().to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
            labels = IsConditional ? data.Labels!.to(ScalarType.Int64).to(x.device).DetachFromDisposeScope() : null;
        }
        using var xOwner = x;
        using var labelsOwner = labels;
        if (!PointChecks.AllFinite(x))
            throw new ArgumentException("RealNVP: the data contain NaN or infinite values.", nameof(data));

        var seed = options.Seed;
        var fresh = new RealNvpNetwork(Dim, NumClasses, options, seed, ScalarType.Float32);
        fresh.to(x.device);
        ReplaceNetwork(fresh);
        Options = options;
        IsFitted = false;

        var batch = (int)Math.Min(options.BatchSize, n);
        var steps = checked((int)(options.Epochs > 0 ? (long)options.Epochs * (n / batch) : options.Steps));
        var trace = new List<LossPoint>();
        using var generator = new Generator(unchecked((ulong)seed) ^ 0x9E3779B97F4A7C15UL);
        using var loop = new TrainingLoop(network.parameters(),
            new LearningRateSchedule(options.LearningRate, steps, Cosine: options.CosineDecay), options.WeightDecay,
            options.MaxGradNorm > 0 ? options.MaxGradNorm : null, options.LogEvery)
        {
            Subject = "RealNVP training",
            Parallel = Parallel,
            DivergenceHint = $"training diverged. Lower the learning rate (now {options.LearningRate}) or the scale bound " +
                $"(now {options.ScaleBound}), or whiten the data first (chain 'whiten' before 'realnvp').",
        };
        Tensor? order = null;
        long position = n;
        StepLoss Loss(int step)
        {
            if (position + batch > n)
            {
                order?.Dispose();
                // Drawn on the CPU so that a seed gives the same batches on every device.
                order = torch.randperm(n, generator: generator).to(x.device).DetachFromDisposeScope();
                position = 0;
            }
            var rows = order!.narrow(0, position, batch);
            position += batch;
            if (Parallel is null || Parallel.Communicator.WorldSize == 1)
                return new StepLoss(NegativeLogLikelihood(x.index_select(0, rows), labels?.index_select(0, rows)));
            // Every process drew the same batch order; each computes its share of the batch's likelihood.
            var slice = Parallel.RowsOf(batch);
            rows = rows.narrow(0, slice.Start, slice.Length);
            return new StepLoss(NegativeLogLikelihood(x.index_select(0, rows), labels?.index_select(0, rows)) * slice.LossWeight);
        }
        try
        {
            loop.Run(0, steps, Loss, onWindow: window =>
            {
                trace.Add(new LossPoint(window.Step, window.Loss));
                progress?.Report(new PreconditionerProgress(Kind, window.Step, steps, window.Loss, clock.Elapsed.TotalSeconds));
            });
        }
        catch (InvalidOperationException e)
        {
            divergence = e.Message;
            throw;
        }
        finally
        {
            order?.Dispose();
        }

        IsFitted = true;
        var check = CheckAfterTraining(x, labels, generator, options);
        failedCheck = check.Passed ? null : check;
        var notes = check.Passed
            ? (IReadOnlyList<string>)[]
            : [$"invertibility check failed: round-trip error {check.MaxRelativeError:g3} > {check.Threshold:g3}; the map is not usable."];
        return new PreconditionerFitReport(Kind, clock.Elapsed.TotalSeconds, trace.Count > 0 ? trace[^1].Loss : null,
            trace, check, notes, []);
    }

    /// <summary>z = the couplings applied in order, log-det = the sum of their log-scales; float64 inputs run through a
    /// float64 copy of the weights.</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The last training diverged or the map failed its invertibility check.</exception>
    /// <exception cref="ArgumentException">x is not (batch, Dim), or labels are missing or out of range for a conditional map.</exception>
    public (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null)
    {
        Usable();
        Inputs.CheckPoints(x, Dim, "RealNVP", nameof(x));
        using var scope = torch.NewDisposeScope();
        using var noGrad = x.requires_grad ? null : torch.no_grad();
        var y = IsConditional ? ConditioningLabels(x, labels) : null;
        var (z, logDet) = NetworkFor(x).Forward(x, y);
        return (z.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <summary>x = the couplings inverted in reverse order.</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The last training diverged or the map failed its invertibility check.</exception>
    /// <exception cref="ArgumentException">z is not (batch, Dim), or labels are missing or out of range for a conditional map.</exception>
    public Tensor Inverse(Tensor z, Tensor? labels = null)
    {
        Usable();
        Inputs.CheckPoints(z, Dim, "RealNVP", nameof(z));
        using var scope = torch.NewDisposeScope();
        using var noGrad = z.requires_grad ? null : torch.no_grad();
        var y = IsConditional ? ConditioningLabels(z, labels) : null;
        var x = NetworkFor(z).Inverse(z, y);
        return x.MoveToOuterDisposeScope();
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

    /// <summary>Writes the description and the float32 weights (TorchSharp's <c>Module.save</c> format).</summary>
    public void Save(string folder)
    {
        Usable();
        PreconditionerFolder.Save(folder, Describe(), writer => network.save(writer));
    }

    /// <summary>The float32 network's parameters and its int64 permutation buffers, by state-dict name, for export.</summary>
    internal IReadOnlyList<(string Name, Tensor Value)> StateTensors()
    {
        Usable();
        return network.state_dict().Select(e => (e.Key, e.Value)).ToArray();
    }

    internal static RealNvp Load(Description description)
    {
        var options = description.Options<RealNvpOptions>("RealNVP", o => o.Validate());
        var result = new RealNvp(description.Int("dim"), options, description.Int("num_classes"));
        try
        {
            PreconditionerFolder.ReadWeights(description, reader => result.network.load(reader));
            FiniteWeights.Require(result.network, Path.Combine(description.Folder, PreconditionerFolder.WeightsFileName));
            using var drawn = new RealNvpNetwork(result.Dim, result.NumClasses, options, options.Seed, ScalarType.Float32);
            if (!drawn.PermutationsEqual(result.network))
                throw new InvalidDataException(
                    $"{Path.Combine(description.Folder, PreconditionerFolder.WeightsFileName)}: the saved permutations do " +
                    $"not match those drawn from seed {options.Seed}. Save the preconditioner again.");
        }
        catch
        {
            result.Dispose();
            throw;
        }
        result.IsFitted = description.Bool("fitted");
        return result;
    }

    /// <summary>Releases the networks' weights.</summary>
    public void Dispose()
    {
        network.Dispose();
        network64?.Dispose();
        network64 = null;
    }

    /// <summary>The training loss −mean[log N(z; 0, I) + log|det ∂z/∂x|] (nats per sample) of the float32 network, with
    /// its graph.</summary>
    /// <param name="x">(batch, Dim) float32.</param>
    /// <param name="labels">(batch) int64 when conditional.</param>
    internal Tensor NegativeLogLikelihood(Tensor x, Tensor? labels)
    {
        var (z, logDet) = network.Forward(x, labels);
        var logNormal = -0.5 * z.square().sum(1) - 0.5 * Dim * Math.Log(2 * Math.PI);
        return -(logNormal + logDet).mean();
    }

    /// <summary>The float32 network's named parameters.</summary>
    internal IEnumerable<(string Name, Parameter Parameter)> NamedParameters => network.named_parameters();

    private Tensor ConditioningLabels(Tensor x, Tensor? labels)
    {
        Inputs.CheckLabels(x, labels, NumClasses, "RealNVP");
        return labels!.to(ScalarType.Int64);
    }

    /// <summary>The network for inputs like <paramref name="x"/>: the float32 one, or its float64 copy, moved to x's device
    /// when it is elsewhere (maps run where their data are).</summary>
    private RealNvpNetwork NetworkFor(Tensor x)
    {
        var at = network.parameters().First().device;
        if (at.type != x.device.type || at.index != x.device.index)
        {
            network.to(x.device);
            network64?.to(x.device);
        }
        if (x.dtype == ScalarType.Float32)
            return network;
        if (network64 is null)
        {
            var copy = new RealNvpNetwork(Dim, NumClasses, Options, Options.Seed, ScalarType.Float64);
            copy.to(x.device);
            copy.CopyFrom(network);
            foreach (var p in copy.parameters())
                p.requires_grad = false;
            network64 = copy;
        }
        return network64;
    }

    private InvertibilityReport CheckAfterTraining(Tensor x, Tensor? labels, Generator generator, RealNvpOptions options)
    {
        using var scope = torch.NewDisposeScope();
        var count = Math.Min(options.InvertibilitySamples, x.shape[0]);
        var rows = torch.randperm(x.shape[0], generator: generator).narrow(0, 0, count).to(x.device);
        return InvertibilityCheck.Run(this, x.index_select(0, rows), labels?.index_select(0, rows), options.InvertibilityThreshold);
    }

    private void ReplaceNetwork(RealNvpNetwork fresh)
    {
        Dispose();
        network = fresh;
        failedCheck = null;
        divergence = null;
    }

    private void Usable()
    {
        if (divergence is not null)
            throw new InvalidOperationException($"This RealNVP is not usable: {divergence}");
        if (failedCheck is { } check)
            throw new InvalidOperationException(
                $"This RealNVP failed its invertibility check after training (round-trip error {check.MaxRelativeError:g3} > " +
                $"threshold {check.Threshold:g3} in {check.DType}), so it is not used. Train it again with a smaller learning " +
                "rate, a smaller scale bound or gradient clipping.");
    }
}
