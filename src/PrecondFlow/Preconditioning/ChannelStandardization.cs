using System.Diagnostics;
using System.Text.Json.Nodes;
using PrecondFlow.Data;
using PrecondFlow.Preconditioning.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// The matching-point operator: z = (x − μ_c) / s_c, with the mean μ_c and standard deviation s_c of each channel c fitted on
/// the data it receives, so that what the main flow regresses on at t = 1 has the zero mean and unit scale of its base
/// N(0, I) at t = 0. Placed after an early-stopped flow preconditioner ("flow+standardize"), it joins the two transports
/// where they meet: the preconditioning flow ends near, not at, N(0, I), and this exact, closed-form map puts its end
/// point on the statistics the main flow starts from.
/// </summary>
/// <remarks>
/// <para>With <see cref="Channels"/> = C &gt; 0 the d = C·L values of a point are read as C channels of L = H·W pixels
/// (row-major (C, H, W), as images and spatial latents are flattened), and each channel gets one mean and one scale over all
/// its pixels: the map commutes with translations of the image, so it keeps what a UNet's convolutions rely on. With
/// C = 0 every coordinate is its own channel (per-coordinate standardization of vectors).</para>
/// <para>It is diagonal, not a whitening: it matches scale, not correlations, so it leaves the conditioning work to the
/// preconditioner before it. log|det ∂z/∂x| = −L·Σ_c log s_c, exact and the same for every point. μ and s are stored in
/// float64 and cast to the input's dtype on use.</para>
/// </remarks>
public sealed class ChannelStandardization : IFittablePreconditioner
{
    /// <summary>The kind written in <c>preconditioner.json</c> and the name on the command line.</summary>
    public const string Kind = "standardize";

    /// <summary>A channel whose standard deviation is below this (relative to the largest) is refused as constant.</summary>
    public const double RelativeScaleFloor = 1e-8;

    private Tensor? mean;   // (groups) float64
    private Tensor? scale;  // (groups) float64
    private double logAbsDet;

    /// <summary>Creates an unfitted standardization.</summary>
    /// <param name="dim">Dimension of the data, at least 1.</param>
    /// <param name="channels">C: channels of the flattened (C, H, W) points, which must divide <paramref name="dim"/>; 0 to
    /// standardize every coordinate on its own.</param>
    public ChannelStandardization(int dim, int channels = 0)
    {
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "Standardization needs a data dimension of at least 1.");
        if (channels < 0 || (channels > 0 && dim % channels != 0))
            throw new ArgumentOutOfRangeException(nameof(channels), channels,
                $"Standardization: {channels} channels do not divide the dimension {dim}; give the C of the (C, H, W) points, or 0 " +
                "to standardize every coordinate.");
        Dim = dim;
        Channels = channels;
    }

    /// <inheritdoc/>
    public string Name => Kind;

    /// <summary>False: one mean and scale per channel for every class.</summary>
    public bool IsConditional => false;

    /// <inheritdoc/>
    public int Dim { get; }

    /// <summary>0: unconditional.</summary>
    public int NumClasses => 0;

    /// <summary>C of the (C, H, W) points, or 0 when every coordinate is standardized on its own.</summary>
    public int Channels { get; }

    /// <summary>Number of (mean, scale) pairs: C, or d when <see cref="Channels"/> is 0.</summary>
    public int Groups => Channels > 0 ? Channels : Dim;

    /// <summary>Values per group: H·W, or 1.</summary>
    public int GroupSize => Dim / Groups;

    /// <summary>2 per group: its mean and its scale.</summary>
    public long ParameterCount => 2L * Groups;

    /// <summary>True: the log-det is exact.</summary>
    public bool HasExactLogDet => true;

    /// <inheritdoc/>
    public bool IsFitted => mean is not null;

    /// <summary>A copy of the fitted means, (groups) float64.</summary>
    public Tensor Mean => Fitted().mean!.clone();

    /// <summary>A copy of the fitted standard deviations, (groups) float64.</summary>
    public Tensor Scale => Fitted().scale!.clone();

    /// <summary>Fits each group's mean and (population) standard deviation in float64.</summary>
    /// <exception cref="ArgumentException">Wrong shape, fewer than 2 points, non-finite values, or a constant group (named).</exception>
    public PreconditionerFitReport Fit(PointCloud data, long seed = 0, IProgress<PreconditionerProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        if (data.Points.dim() != 2 || data.Dim != Dim)
            throw new ArgumentException(
                $"Standardization was created for dimension {Dim}; the data have shape [{string.Join(", ", data.Points.shape)}].", nameof(data));
        if (data.Count < 2)
            throw new ArgumentException($"Standardization needs at least 2 points to estimate a scale; got {data.Count}.", nameof(data));
        using (var scope = NewDisposeScope())
        {
            var grouped = data.Points.detach().to(ScalarType.Float64).view(data.Count, Groups, GroupSize);
            if (!grouped.isfinite().all().item<bool>())
                throw new ArgumentException("Standardization: the data contain NaN or infinite values.", nameof(data));
            var mu = grouped.mean([0, 2]);
            var sd = (grouped - mu.view(1, Groups, 1)).square().mean([0, 2]).sqrt();
            var values = sd.cpu().data<double>().ToArray();
            double largest = values.Max();
            int constant = Array.FindIndex(values, v => !(v > RelativeScaleFloor * largest));
            if (constant >= 0)
                throw new ArgumentException(
                    $"Standardization: {(Channels > 0 ? "channel" : "coordinate")} {constant} is constant (standard deviation " +
                    $"{values[constant]:g3}), so it cannot be scaled to unit variance; remove it or precondition it otherwise.", nameof(data));
            Replace(mu.DetachFromDisposeScope(), sd.DetachFromDisposeScope());
        }
        return PreconditionerFitReport.ClosedForm(Kind, clock.Elapsed.TotalSeconds,
            [$"{Groups} {(Channels > 0 ? "channels" : "coordinates")}; scales from {scale!.min().item<double>():g3} to {scale!.max().item<double>():g3}"]);
    }

    /// <summary>z = (x − μ_c)/s_c per channel, with the constant log-det −L·Σ log s_c.</summary>
    public (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null)
    {
        Fitted();
        Inputs.CheckPoints(x, Dim, "Standardization", nameof(x));
        using var scope = NewDisposeScope();
        using var noGrad = x.requires_grad ? null : no_grad();
        var z = (x - Expanded(mean!, x)) / Expanded(scale!, x);
        var logDet = full(x.shape[0], logAbsDet, dtype: x.dtype, device: x.device);
        return (z.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <summary>x = z·s_c + μ_c.</summary>
    public Tensor Inverse(Tensor z, Tensor? labels = null)
    {
        Fitted();
        Inputs.CheckPoints(z, Dim, "Standardization", nameof(z));
        using var scope = NewDisposeScope();
        using var noGrad = z.requires_grad ? null : no_grad();
        return (z * Expanded(scale!, z) + Expanded(mean!, z)).MoveToOuterDisposeScope();
    }

    /// <summary>(groups) → (1, d) in the dtype and on the device of <paramref name="like"/>.</summary>
    private Tensor Expanded(Tensor perGroup, Tensor like) =>
        perGroup.to(like.dtype, like.device).repeat_interleave(GroupSize).view(1, Dim);

    /// <summary>kind, dim, channels and fitted; once fitted also log_abs_det.</summary>
    public JsonObject Describe()
    {
        var description = new JsonObject
        {
            ["kind"] = Kind,
            ["dim"] = Dim,
            ["channels"] = Channels,
            ["fitted"] = IsFitted,
        };
        if (IsFitted)
            description["log_abs_det"] = logAbsDet;
        return description;
    }

    /// <summary>Writes <c>preconditioner.json</c> and the float64 means and scales.</summary>
    /// <exception cref="InvalidOperationException">The map is not fitted.</exception>
    public void Save(string folder)
    {
        Fitted();
        PreconditionerFolder.Save(folder, Describe(), writer => NamedTensors.Write(writer, [("mean", mean!), ("scale", scale!)]));
    }

    /// <summary>The fitted tensors under the names <see cref="Save"/> uses (the map's own, not copies), for export.</summary>
    internal IReadOnlyList<(string Name, Tensor Value)> StateTensors()
    {
        Fitted();
        return [("mean", mean!), ("scale", scale!)];
    }

    internal static ChannelStandardization Load(Description description)
    {
        var result = new ChannelStandardization(description.Int("dim"), description.Int("channels"));
        PreconditionerFolder.ReadWeights(description, reader =>
        {
            using var tensors = NamedTensors.Read(reader);
            var mu = tensors.Take("mean", ScalarType.Float64, result.Groups);
            var sd = tensors.Take("scale", ScalarType.Float64, result.Groups);
            if (!(sd.min().item<double>() > 0))
            {
                mu.Dispose();
                sd.Dispose();
                throw description.Invalid("scale", "positive scales");
            }
            result.Replace(mu, sd);
        });
        return result;
    }

    /// <summary>Releases the fitted tensors; the map is unfitted afterwards.</summary>
    public void Dispose()
    {
        mean?.Dispose();
        scale?.Dispose();
        mean = scale = null;
    }

    private void Replace(Tensor newMean, Tensor newScale)
    {
        Dispose();
        (mean, scale) = (newMean, newScale);
        logAbsDet = -GroupSize * newScale.log().sum().item<double>();
    }

    private ChannelStandardization Fitted() => IsFitted
        ? this
        : throw new InvalidOperationException("This standardization is not fitted: call Fit(data) first, or load a saved one.");
}
