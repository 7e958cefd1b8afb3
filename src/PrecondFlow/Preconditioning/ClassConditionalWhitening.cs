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
/// Label-conditional blockwise whitening (App. D.2): per class k, z = Σₖ^(−1/2)(x − μₖ), so that every class becomes
/// N(0, I) and a class-conditional flow from N(0, I) has nothing left to learn in second order. The log-det
/// −½ log det Σₖ is exact and depends on the label only.
/// </summary>
/// <remarks>
/// <para>Σₖ is the unbiased covariance of class k, optionally shrunk towards (tr Σₖ / d)·I with weight γ (as in
/// <see cref="AffineWhitening"/>). Parameters are stored in float64 and cast to the input's dtype on use.</para>
/// <para><b>Classes with too few samples.</b> A class needs at least d + 1 samples (without shrinkage) for a
/// full-rank covariance. A class with fewer, or whose (shrunk) covariance is singular, is an error unless
/// <c>fallback</c> is on. With the fallback, its covariance is blended half and half with the pooled within-class
/// covariance Σ_pool = Σᵢ (xᵢ − μ_{yᵢ})(xᵢ − μ_{yᵢ})ᵀ / (N − K) (itself shrunk with γ), Σₖ ← ½Σₖ + ½Σ_pool, which is
/// positive definite whenever Σ_pool is; a class with a single sample uses Σ_pool itself. Every fallback is listed in
/// the fit report's notes. A class with no sample at all is not fitted: using its label is an error naming it.</para>
/// </remarks>
public sealed class ClassConditionalWhitening : IFittablePreconditioner
{
    /// <summary>The kind written in <c>preconditioner.json</c>.</summary>
    public const string Kind = "class-whiten";

    /// <summary>Weight of the pooled covariance in a fallback class's blended covariance.</summary>
    public const double FallbackWeight = 0.5;

    private Tensor? means;       // (K, d) float64
    private Tensor? whiteners;   // (K, d, d) float64, Σₖ^(−1/2)
    private Tensor? colorers;    // (K, d, d) float64, Σₖ^(1/2)
    private Tensor? logAbsDets;  // (K) float64
    private long[] counts = [];  // samples per class at fitting; 0 = unseen

    /// <summary>Creates an unfitted class-conditional whitening; call <see cref="Fit(PointCloud)"/>.</summary>
    /// <param name="dim">Dimension of the data, at least 1.</param>
    /// <param name="numClasses">Number of classes K; labels lie in [0, K).</param>
    /// <param name="shrinkage">γ in [0, 1], applied to every class's covariance; 0 for none.</param>
    /// <param name="fallback">Whether a class with too few samples or a singular covariance falls back to the pooled
    /// covariance (see remarks) instead of failing the fit.</param>
    public ClassConditionalWhitening(int dim, int numClasses, double shrinkage = 0, bool fallback = false)
    {
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "Class-conditional whitening needs a data dimension of at least 1.");
        if (numClasses < 1)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses,
                "Class-conditional whitening needs at least one class; for unlabelled data use affine whitening.");
        if (!(shrinkage >= 0 && shrinkage <= 1))
            throw new ArgumentOutOfRangeException(nameof(shrinkage), shrinkage,
                $"The shrinkage γ must lie in [0, 1] (0: none, 1: a scaled identity); got {shrinkage}.");
        Dim = dim;
        NumClasses = numClasses;
        Shrinkage = shrinkage;
        Fallback = fallback;
    }

    /// <inheritdoc/>
    public string Name => Kind;

    /// <summary>True: each class has its own map.</summary>
    public bool IsConditional => true;

    /// <inheritdoc/>
    public int Dim { get; }

    /// <summary>True: −½ log det Σₖ is exact.</summary>
    public bool HasExactLogDet => true;

    /// <summary>Whether the per-class statistics have been fitted or loaded.</summary>
    public bool IsFitted => means is not null;

    /// <summary>Number of classes K.</summary>
    public int NumClasses { get; }

    /// <summary>K·(d + d²): a mean μₖ and a whitening matrix Σₖ^(−1/2) per class (Σₖ^(1/2) is derived from it).</summary>
    public long ParameterCount => NumClasses * (Dim + (long)Dim * Dim);

    /// <summary>γ, the weight of the identity target in each shrunk covariance.</summary>
    public double Shrinkage { get; }

    /// <summary>Whether classes with too few samples fall back to the pooled covariance.</summary>
    public bool Fallback { get; }

    /// <summary>Samples per class seen when fitting (0: the class was not fitted).</summary>
    public IReadOnlyList<long> ClassCounts => Fitted().counts;

    /// <summary>A copy of μₖ, (d) float64.</summary>
    public Tensor Mean(int label)
    {
        using var row = Fitted().means![CheckFitted(label)];
        return row.clone();
    }

    /// <summary>A copy of the covariance Σₖ that whitens class k (after shrinkage or fallback), (d, d) float64.</summary>
    public Tensor Covariance(int label)
    {
        using var root = Fitted().colorers![CheckFitted(label)];
        return root.mm(root);
    }

    /// <summary>Fits μₖ and Σₖ for every class present in <paramref name="data"/>, in closed form (float64).</summary>
    /// <param name="data">(n, Dim) points with (n) labels in [0, NumClasses).</param>
    /// <exception cref="ArgumentException">Missing labels, a class with too few samples or a singular covariance
    /// without <see cref="Fallback"/>; the message says which class and what would work.</exception>
    public PreconditionerFitReport Fit(PointCloud data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        if (data.Points.dim() != 2 || data.Dim != Dim)
            throw new ArgumentException(
                $"Class-conditional whitening was created for dimension {Dim}; the data have shape " +
                $"[{string.Join(", ", data.Points.shape)}].", nameof(data));
        if (data.Labels is null)
            throw new ArgumentException(
                "Class-conditional whitening needs labelled data: the point cloud has no labels. " +
                "Use affine whitening ('whiten') for unlabelled data.", nameof(data));
        var labels = Inputs.CheckLabels(data.Points, data.Labels, NumClasses, "Class-conditional whitening");
        var notes = new List<string>();
        using (var scope = torch.NewDisposeScope())
        {
            var x = data.Points.detach().to(ScalarType.Float64).cpu();
            if (!PointChecks.AllFinite(x))
                throw new ArgumentException("Class-conditional whitening: the data contain NaN or infinite values.", nameof(data));
            var members = GroupByClass(labels);
            var classCounts = members.Select(m => (long)m.Count).ToArray();
            var classX = new Tensor?[NumClasses];
            var classMeans = new Tensor?[NumClasses];
            for (var k = 0; k < NumClasses; k++)
            {
                if (members[k].Count == 0)
                    continue;
                classX[k] = x.index_select(0, torch.tensor(members[k].ToArray()));
                classMeans[k] = classX[k]!.mean([0]);
            }

            Tensor? pooled = null;
            Tensor Pooled() => pooled ??= PooledCovariance(classX);

            var meanRows = new Tensor[NumClasses];
            var whitenerRows = new Tensor[NumClasses];
            var colorerRows = new Tensor[NumClasses];
            var logDets = new double[NumClasses];
            var eye = torch.eye(Dim, dtype: ScalarType.Float64);
            for (var k = 0; k < NumClasses; k++)
            {
                var n = classCounts[k];
                if (n == 0)
                {
                    // Never used: a label without samples is rejected by Forward and Inverse.
                    (meanRows[k], whitenerRows[k], colorerRows[k]) = (torch.zeros(Dim, dtype: ScalarType.Float64), eye, eye);
                    continue;
                }
                meanRows[k] = classMeans[k]!;
                WhiteningFactors? factors = null;
                double min = double.NaN, max = double.NaN;
                var tooFew = n < 2 || (Shrinkage == 0 && n <= Dim);
                if (!tooFew)
                {
                    var sigma = SampleCovariance.Shrink(SampleCovariance.Of(classX[k]!), Shrinkage);
                    factors = WhiteningFactors.TryCompute(sigma, out min, out max);
                    if (factors is null && Fallback)
                    {
                        factors = Factor((1 - FallbackWeight) * sigma + FallbackWeight * Pooled(), k);
                        notes.Add($"class {k}: singular covariance (eigenvalues from {min:g3} to {max:g3}); " +
                                  $"blended half and half with the pooled covariance.");
                    }
                }
                else if (Fallback)
                {
                    if (n < 2)
                    {
                        factors = Factor(Pooled(), k);
                        notes.Add($"class {k}: 1 sample; whitened with the pooled covariance.");
                    }
                    else
                    {
                        var sigma = SampleCovariance.Of(classX[k]!);
                        factors = Factor((1 - FallbackWeight) * sigma + FallbackWeight * Pooled(), k);
                        notes.Add($"class {k}: {n} samples, fewer than d + 1 = {Dim + 1}; covariance blended half and " +
                                  "half with the pooled covariance.");
                    }
                }
                if (factors is null)
                    throw TooFewOrSingular(k, n, tooFew, min, max);
                whitenerRows[k] = factors.Whitener;
                colorerRows[k] = factors.Colorer;
                logDets[k] = factors.LogAbsDet;
            }
            Replace(
                torch.stack(meanRows).DetachFromDisposeScope(),
                torch.stack(whitenerRows).DetachFromDisposeScope(),
                torch.stack(colorerRows).DetachFromDisposeScope(),
                torch.tensor(logDets, dtype: ScalarType.Float64).DetachFromDisposeScope(),
                classCounts);
        }
        var unseen = Enumerable.Range(0, NumClasses).Where(k => counts[k] == 0).ToArray();
        if (unseen.Length > 0)
            notes.Add($"classes without samples, not fitted (their labels are rejected): {string.Join(", ", unseen)}.");
        return PreconditionerFitReport.ClosedForm(Kind, clock.Elapsed.TotalSeconds, notes);
    }

    /// <inheritdoc cref="Fit(PointCloud)"/>
    /// <param name="data">(n, Dim) points with labels.</param>
    /// <param name="seed">Unused: the fit is closed-form.</param>
    /// <param name="progress">Unused: the fit is closed-form.</param>
    public PreconditionerFitReport Fit(PointCloud data, long seed = 0, IProgress<PreconditionerProgress>? progress = null) =>
        Fit(data);

    /// <summary>z = (x − μₖ)·Σₖ^(−1/2) for each point of class k, with the log-det −½ log det Σₖ of its class.</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The map is not fitted.</exception>
    /// <exception cref="ArgumentException">x is not (batch, Dim), labels are missing or of the wrong length, or a label is
    /// out of range or of a class that had no sample at fitting.</exception>
    public (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null)
    {
        Fitted();
        Inputs.CheckPoints(x, Dim, "Class-conditional whitening", nameof(x));
        using var scope = torch.NewDisposeScope();
        using var noGrad = x.requires_grad ? null : torch.no_grad();
        var values = CheckFittedLabels(x, labels);
        var z = PerClass(x, values, (xk, k) =>
            (xk - means![k].to(x.dtype, x.device)).mm(whiteners![k].to(x.dtype, x.device)));
        var logDet = logAbsDets!.to(x.dtype, x.device).index_select(0, torch.tensor(values, device: x.device));
        return (z.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <summary>x = z·Σₖ^(1/2) + μₖ for each point of class k.</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The map is not fitted.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Forward"/>.</exception>
    public Tensor Inverse(Tensor z, Tensor? labels = null)
    {
        Fitted();
        Inputs.CheckPoints(z, Dim, "Class-conditional whitening", nameof(z));
        using var scope = torch.NewDisposeScope();
        using var noGrad = z.requires_grad ? null : torch.no_grad();
        var values = CheckFittedLabels(z, labels);
        var x = PerClass(z, values, (zk, k) =>
            zk.mm(colorers![k].to(z.dtype, z.device)) + means![k].to(z.dtype, z.device));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>kind, dim, num_classes, shrinkage, fallback and fitted.</summary>
    public JsonObject Describe() => new()
    {
        ["kind"] = Kind,
        ["dim"] = Dim,
        ["num_classes"] = NumClasses,
        ["shrinkage"] = Shrinkage,
        ["fallback"] = Fallback,
        ["fitted"] = IsFitted,
    };

    /// <summary>Writes <c>preconditioner.json</c> and the float64 per-class means, Σₖ^(−1/2), Σₖ^(1/2), log-dets and the
    /// sample counts of the fit.</summary>
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The map is not fitted.</exception>
    public void Save(string folder)
    {
        Fitted();
        using var countTensor = torch.tensor(counts, dtype: ScalarType.Int64);
        PreconditionerFolder.Save(folder, Describe(), writer => NamedTensors.Write(writer,
        [
            ("means", means!),
            ("whiteners", whiteners!),
            ("colorers", colorers!),
            ("log_abs_dets", logAbsDets!),
            ("counts", countTensor),
        ]));
    }

    /// <summary>The fitted float64 tensors under the names <see cref="Save"/> uses (views, not copies), for export.</summary>
    internal IReadOnlyList<(string Name, Tensor Value)> StateTensors()
    {
        Fitted();
        return [("means", means!), ("whiteners", whiteners!), ("colorers", colorers!), ("log_abs_dets", logAbsDets!)];
    }

    internal static ClassConditionalWhitening Load(Description description)
    {
        var result = new ClassConditionalWhitening(description.Int("dim"), description.Int("num_classes"),
            description.Double("shrinkage"), description.Bool("fallback"));
        var (d, k) = ((long)result.Dim, (long)result.NumClasses);
        PreconditionerFolder.ReadWeights(description, reader =>
        {
            using var tensors = NamedTensors.Read(reader);
            using var countTensor = tensors.Take("counts", ScalarType.Int64, k);
            result.Replace(
                tensors.Take("means", ScalarType.Float64, k, d),
                tensors.Take("whiteners", ScalarType.Float64, k, d, d),
                tensors.Take("colorers", ScalarType.Float64, k, d, d),
                tensors.Take("log_abs_dets", ScalarType.Float64, k),
                countTensor.data<long>().ToArray());
        });
        return result;
    }

    /// <summary>Releases the fitted tensors; the map is unfitted afterwards.</summary>
    public void Dispose()
    {
        means?.Dispose();
        whiteners?.Dispose();
        colorers?.Dispose();
        logAbsDets?.Dispose();
        means = whiteners = colorers = logAbsDets = null;
    }

    /// <summary>Applies <paramref name="map"/> to the rows of each class and reassembles them in the input's order.</summary>
    private Tensor PerClass(Tensor input, long[] labels, Func<Tensor, int, Tensor> map)
    {
        var result = torch.zeros_like(input);
        var groups = GroupByClass(labels);
        for (var k = 0; k < NumClasses; k++)
        {
            if (groups[k].Count == 0)
                continue;
            var rows = torch.tensor(groups[k].ToArray(), device: input.device);
            result = result.index_copy(0, rows, map(input.index_select(0, rows), k));
        }
        return result;
    }

    private List<long>[] GroupByClass(long[] labels)
    {
        var groups = Enumerable.Range(0, NumClasses).Select(_ => new List<long>()).ToArray();
        for (var i = 0; i < labels.Length; i++)
            groups[labels[i]].Add(i);
        return groups;
    }

    private int CheckFitted(int label)
    {
        if (label < 0 || label >= NumClasses || counts[label] == 0)
            throw new ArgumentOutOfRangeException(nameof(label), label,
                $"Class-conditional whitening has no class {label}: fitted classes are " +
                $"{string.Join(", ", Enumerable.Range(0, NumClasses).Where(k => counts[k] > 0))}.");
        return label;
    }

    private long[] CheckFittedLabels(Tensor x, Tensor? labels)
    {
        var values = Inputs.CheckLabels(x, labels, NumClasses, "Class-conditional whitening");
        foreach (var value in values)
        {
            if (counts[value] == 0)
                throw new ArgumentException(
                    $"Class-conditional whitening: label {value} was not seen when fitting, so it has no mean or covariance. " +
                    $"Fitted classes: {string.Join(", ", Enumerable.Range(0, NumClasses).Where(k => counts[k] > 0))}. " +
                    "Fit on data that contain every class you will use.", nameof(labels));
        }
        return values;
    }

    private Tensor PooledCovariance(Tensor?[] classX)
    {
        var present = classX.OfType<Tensor>().ToArray();
        if (present.Sum(c => c.shape[0]) <= present.Length)
            throw new ArgumentException(
                "Class-conditional whitening: every class has a single sample, so there is no pooled covariance to fall " +
                "back to. Fit on more samples per class.", "data");
        return SampleCovariance.Shrink(SampleCovariance.PooledWithinClass(present), Shrinkage);
    }

    private WhiteningFactors Factor(Tensor sigma, int k) =>
        WhiteningFactors.TryCompute(sigma, out var min, out var max) ?? throw new ArgumentException(
            $"Class-conditional whitening: class {k} fell back to the pooled covariance, but that is singular too " +
            $"(eigenvalues from {min:g3} to {max:g3}). Pass a shrinkage γ in (0, 1] (e.g. 0.1).", "data");

    private ArgumentException TooFewOrSingular(int k, long n, bool tooFew, double min, double max) => tooFew
        ? new ArgumentException(
            $"Class-conditional whitening: class {k} has {n} sample{(n == 1 ? "" : "s")} in d = {Dim} dimensions; a full-rank " +
            $"covariance needs at least d + 1 = {Dim + 1}. Turn on the fallback (blends with the pooled covariance), " +
            (n >= 2 ? "pass a shrinkage γ in (0, 1], " : "") + "or fit on more samples of that class.", "data")
        : new ArgumentException(
            $"Class-conditional whitening: the covariance of class {k} is singular (eigenvalues from {min:g3} to {max:g3}). " +
            "Pass a shrinkage γ in (0, 1] (e.g. 0.1), or turn on the fallback (blends with the pooled covariance).", "data");

    private void Replace(Tensor newMeans, Tensor newWhiteners, Tensor newColorers, Tensor newLogAbsDets, long[] newCounts)
    {
        Dispose();
        (means, whiteners, colorers, logAbsDets, counts) = (newMeans, newWhiteners, newColorers, newLogAbsDets, newCounts);
    }

    private ClassConditionalWhitening Fitted() => IsFitted
        ? this
        : throw new InvalidOperationException(
            "This class-conditional whitening is not fitted: call Fit(data) first, or load a saved one.");
}
