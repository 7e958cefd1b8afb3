using System.Diagnostics;
using System.Text.Json.Nodes;
using PrecondFlow.Data;
using PrecondFlow.Data.Internal;
using PrecondFlow.LinearAlgebra;
using PrecondFlow.Preconditioning.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// Affine whitening, Theorem 4.1's M: z = Σ^(−1/2)(x − μ) with the symmetric inverse square root of the data
/// covariance, so that Cov(z) = I. Fitted in closed form; the log-det −½ log det Σ is exact and the same for every point.
/// </summary>
/// <remarks>
/// <para>Σ is the unbiased sample covariance, optionally shrunk towards a multiple of the identity,
/// Σ ← (1 − γ)Σ + γ·(tr Σ / d)·I (Ledoit–Wolf's target with a user-chosen γ in [0, 1]). Without shrinkage, fitting
/// needs more samples than dimensions and a non-singular covariance; otherwise it fails and suggests shrinkage.</para>
/// <para>μ, Σ^(−1/2) and Σ^(1/2) are stored in float64 and cast to the input's dtype on use.</para>
/// </remarks>
public sealed class AffineWhitening : IFittablePreconditioner
{
    /// <summary>The kind written in <c>preconditioner.json</c>.</summary>
    public const string Kind = "whiten";

    private Tensor? mean;        // (d) float64
    private Tensor? whitener;    // (d, d) float64, Σ^(−1/2)
    private Tensor? colorer;     // (d, d) float64, Σ^(1/2)
    private double logAbsDet;
    private double conditionNumber;

    /// <summary>Creates an unfitted whitening map; call <see cref="Fit(PointCloud)"/>.</summary>
    /// <param name="dim">Dimension of the data, at least 1.</param>
    /// <param name="shrinkage">γ in [0, 1]: weight of the identity target in the shrunk covariance; 0 for none.</param>
    public AffineWhitening(int dim, double shrinkage = 0)
    {
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "Affine whitening needs a data dimension of at least 1.");
        if (!(shrinkage >= 0 && shrinkage <= 1))
            throw new ArgumentOutOfRangeException(nameof(shrinkage), shrinkage,
                $"The shrinkage γ must lie in [0, 1] (0: none, 1: a scaled identity); got {shrinkage}.");
        Dim = dim;
        Shrinkage = shrinkage;
    }

    /// <inheritdoc/>
    public string Name => Kind;

    /// <summary>False: whitening ignores labels.</summary>
    public bool IsConditional => false;

    /// <inheritdoc/>
    public int Dim { get; }

    /// <summary>0: whitening is unconditional.</summary>
    public int NumClasses => 0;

    /// <summary>d + d²: the mean μ and the whitening matrix Σ^(−1/2) (Σ^(1/2) is derived from it).</summary>
    public long ParameterCount => Dim + (long)Dim * Dim;

    /// <summary>True: −½ log det Σ is exact.</summary>
    public bool HasExactLogDet => true;

    /// <summary>Whether μ and Σ have been fitted or loaded.</summary>
    public bool IsFitted => mean is not null;

    /// <summary>γ, the weight of the identity target in the shrunk covariance.</summary>
    public double Shrinkage { get; }

    /// <summary>log|det ∂z/∂x| = −½ log det Σ, the same for every point.</summary>
    public double LogAbsDet => Fitted().logAbsDet;

    /// <summary>κ(Σ) = λ_max / λ_min of the fitted (shrunk) covariance: what whitening removes.</summary>
    public double ConditionNumber => Fitted().conditionNumber;

    /// <summary>A copy of μ, (d) float64.</summary>
    public Tensor Mean => Fitted().mean!.clone();

    /// <summary>A copy of the fitted (shrunk) covariance Σ, (d, d) float64.</summary>
    public Tensor Covariance => Fitted().colorer!.mm(colorer!);

    /// <summary>Fits μ and Σ to <paramref name="data"/> in closed form (float64).</summary>
    /// <param name="data">(n, Dim) points; labels are ignored. Needs n &gt; Dim unless <see cref="Shrinkage"/> &gt; 0.</param>
    /// <exception cref="ArgumentException">Too few samples, non-finite values or a singular covariance; the message
    /// suggests shrinkage.</exception>
    public PreconditionerFitReport Fit(PointCloud data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        CheckData(data);
        using (var scope = torch.NewDisposeScope())
        {
            var x = data.Points.detach().to(ScalarType.Float64);
            if (!PointChecks.AllFinite(x))
                throw new ArgumentException("Affine whitening: the data contain NaN or infinite values.", nameof(data));
            var mu = x.mean([0]);
            var sigma = SampleCovariance.Shrink(SampleCovariance.Of(x), Shrinkage);
            var factors = WhiteningFactors.TryCompute(sigma, out var min, out var max)
                ?? throw Singular(min, max);
            Replace(mu.DetachFromDisposeScope(), factors.Whitener.DetachFromDisposeScope(),
                factors.Colorer.DetachFromDisposeScope(), factors.LogAbsDet, max / min);
        }
        return PreconditionerFitReport.ClosedForm(Kind, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc cref="Fit(PointCloud)"/>
    /// <param name="data">(n, Dim) points.</param>
    /// <param name="seed">Unused: the fit is closed-form.</param>
    /// <param name="progress">Unused: the fit is closed-form.</param>
    public PreconditionerFitReport Fit(PointCloud data, long seed = 0, IProgress<PreconditionerProgress>? progress = null) =>
        Fit(data);

    /// <summary>z = (x − μ)·Σ^(−1/2) (Σ^(−1/2) is symmetric), with the constant log-det −½ log det Σ for every point.</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The map is not fitted.</exception>
    /// <exception cref="ArgumentException">x is not (batch, Dim).</exception>
    public (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null)
    {
        Fitted();
        Inputs.CheckPoints(x, Dim, "Affine whitening", nameof(x));
        using var scope = torch.NewDisposeScope();
        using var noGrad = x.requires_grad ? null : torch.no_grad();
        var z = (x - mean!.to(x.dtype, x.device)).mm(whitener!.to(x.dtype, x.device));
        var logDet = torch.full(x.shape[0], logAbsDet, dtype: x.dtype, device: x.device);
        return (z.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <summary>x = z·Σ^(1/2) + μ.</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The map is not fitted.</exception>
    /// <exception cref="ArgumentException">z is not (batch, Dim).</exception>
    public Tensor Inverse(Tensor z, Tensor? labels = null)
    {
        Fitted();
        Inputs.CheckPoints(z, Dim, "Affine whitening", nameof(z));
        using var scope = torch.NewDisposeScope();
        using var noGrad = z.requires_grad ? null : torch.no_grad();
        var x = z.mm(colorer!.to(z.dtype, z.device)) + mean!.to(z.dtype, z.device);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>kind, dim, shrinkage and fitted; once fitted also log_abs_det and condition_number.</summary>
    public JsonObject Describe()
    {
        var description = new JsonObject
        {
            ["kind"] = Kind,
            ["dim"] = Dim,
            ["shrinkage"] = Shrinkage,
            ["fitted"] = IsFitted,
        };
        if (IsFitted)
        {
            description["log_abs_det"] = logAbsDet;
            description["condition_number"] = conditionNumber;
        }
        return description;
    }

    /// <summary>Writes <c>preconditioner.json</c> and the float64 μ, Σ^(−1/2) and Σ^(1/2).</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The map is not fitted.</exception>
    public void Save(string folder)
    {
        Fitted();
        PreconditionerFolder.Save(folder, Describe(), writer => NamedTensors.Write(writer,
        [
            ("mean", mean!),
            ("whitener", whitener!),
            ("colorer", colorer!),
        ]));
    }

    /// <summary>The fitted tensors under the names <see cref="Save"/> uses (views, not copies), for export.</summary>
    internal IReadOnlyList<(string Name, Tensor Value)> StateTensors()
    {
        Fitted();
        return [("mean", mean!), ("whitener", whitener!), ("colorer", colorer!)];
    }

    internal static AffineWhitening Load(Description description)
    {
        var result = new AffineWhitening(description.Int("dim"), description.Double("shrinkage"));
        var d = result.Dim;
        PreconditionerFolder.ReadWeights(description, reader =>
        {
            using var tensors = NamedTensors.Read(reader);
            result.Replace(
                tensors.Take("mean", ScalarType.Float64, d),
                tensors.Take("whitener", ScalarType.Float64, d, d),
                tensors.Take("colorer", ScalarType.Float64, d, d),
                description.Double("log_abs_det"),
                description.Double("condition_number"));
        });
        return result;
    }

    /// <summary>Releases the fitted tensors; the map is unfitted afterwards.</summary>
    public void Dispose()
    {
        mean?.Dispose();
        whitener?.Dispose();
        colorer?.Dispose();
        mean = whitener = colorer = null;
    }

    private void CheckData(PointCloud data)
    {
        if (data.Points.dim() != 2 || data.Dim != Dim)
            throw new ArgumentException(
                $"Affine whitening was created for dimension {Dim}; the data have shape [{string.Join(", ", data.Points.shape)}].",
                nameof(data));
        if (Shrinkage == 0 && data.Count <= Dim)
            throw new ArgumentException(
                $"Affine whitening needs more samples than dimensions to estimate a full-rank covariance: got n = {data.Count} " +
                $"samples in d = {Dim} dimensions. Pass a shrinkage γ in (0, 1] (e.g. 0.1), or fit on more than {Dim} samples.",
                nameof(data));
        if (data.Count < 2)
            throw new ArgumentException(
                $"Affine whitening needs at least 2 samples to estimate a covariance; got {data.Count}.", nameof(data));
    }

    private ArgumentException Singular(double min, double max) => Shrinkage > 0 && !(max > 0)
        ? new ArgumentException(
            "Affine whitening: every sample is the same point (the covariance is zero), so there is nothing to whiten.", "data")
        : new ArgumentException(
            $"Affine whitening: the covariance is singular (eigenvalues from {min:g3} to {max:g3}): some directions of the " +
            "data have no variance. " +
            (Shrinkage > 0 ? $"Pass a shrinkage γ larger than {Shrinkage} (up to 1)" : "Pass a shrinkage γ in (0, 1] (e.g. 0.1)") +
            ", or remove the constant directions.", "data");

    private void Replace(Tensor newMean, Tensor newWhitener, Tensor newColorer, double newLogAbsDet, double newCondition)
    {
        Dispose();
        (mean, whitener, colorer, logAbsDet, conditionNumber) = (newMean, newWhitener, newColorer, newLogAbsDet, newCondition);
    }

    private AffineWhitening Fitted() => IsFitted
        ? this
        : throw new InvalidOperationException("This affine whitening is not fitted: call Fit(data) first, or load a saved one.");
}
