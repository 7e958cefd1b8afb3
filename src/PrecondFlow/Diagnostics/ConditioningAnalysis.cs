using PrecondFlow.Data;
using PrecondFlow.Data.Internal;
using PrecondFlow.LinearAlgebra;
using PrecondFlow.Paths;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Diagnostics;

/// <summary>
/// Measures how well conditioned the flow-matching regression is along a path: κ(Cov x_t) over t
/// (SPEC §3, the paper's Figure 12). Pass the points the flow is trained on, i.e. the preconditioned
/// data when a preconditioner is used; comparing the two profiles shows what preconditioning bought.
/// <list type="bullet">
/// <item><see cref="Sampled(Tensor, IProbabilityPath, long, IReadOnlyList{double}?, Tensor?)"/>: draws
/// x_t = α_t x₁ + σ_t x₀ with fresh seeded noise and measures the sample covariance (works for any path; for an affine
/// path from the pairs' joint covariance, measured once, so that no x_t is formed);</item>
/// <item><see cref="Exact(Tensor, AffinePath, IReadOnlyList{double}?, Tensor?)"/>: uses
/// Cov(x_t) = α_t² Cov(x₁) + σ_t² I, exact for an affine path since x₀ ~ N(0, I) is independent of x₁,
/// so only the sampling error of Cov(x₁) remains.</item>
/// </list>
/// Covariances are unbiased sample covariances in float64; eigenvalues come from torch.linalg.eigvalsh
/// (float64, ascending). With labels, each class k gets its own profile of Cov(x_t | y = k): with
/// class-conditional training each class is its own regression (eq. 20, 87); classes with fewer than
/// two points are left out.
/// </summary>
public static class ConditioningAnalysis
{
    /// <summary>The default times: 11 equally spaced in [0, 1].</summary>
    public static IReadOnlyList<double> DefaultTimes { get; } = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();

    /// <summary>
    /// κ(t) from samples of x_t. One noise draw x₀ ~ N(0, I) (from <paramref name="seed"/>) is shared by
    /// all times, so the curve is smooth in t.
    /// </summary>
    /// <param name="x1">(n, d) data points, n ≥ 2.</param>
    /// <param name="path">The probability path the flow is trained on.</param>
    /// <param name="seed">Seed of the noise x₀.</param>
    /// <param name="times">Times in [0, 1]; <see cref="DefaultTimes"/> when null.</param>
    /// <param name="labels">(n) int64 class labels, or null.</param>
    public static ConditioningProfile Sampled(Tensor x1, IProbabilityPath path, long seed = 0,
        IReadOnlyList<double>? times = null, Tensor? labels = null)
    {
        CheckPoints(x1, labels);
        var grid = CheckTimes(times ?? DefaultTimes);
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed));
        var data = x1.detach().to_type(ScalarType.Float64);
        var noise = randn(data.shape[0], data.shape[1], dtype: ScalarType.Float64, generator: generator);
        var classes = new List<(int Label, long Start, long Count)>();
        if (labels is not null)
        {
            // Sort the pairs (x₁, x₀) by class once, so that each class is a contiguous slice at every time.
            var flat = labels.flatten().to_type(ScalarType.Int64);
            var order = flat.argsort();
            data = data.index_select(0, order);
            noise = noise.index_select(0, order);
            var (values, _, counts) = flat.unique(sorted: true, return_counts: true);
            long start = 0;
            foreach (var (label, count) in values.data<long>().ToArray().Zip(counts!.data<long>().ToArray()))
            {
                if (count >= 2)
                    classes.Add(((int)label, start, count));
                start += count;
            }
        }

        if (path is AffinePath affine)
            return FromPairMoments(noise, data, affine, grid, labels is null ? null : classes);

        var spectra = new List<double[]>();
        var perClass = classes.ToDictionary(c => c.Label, _ => new List<double[]>());
        foreach (var t in grid)
        {
            using var perTime = NewDisposeScope();
            var xt = path.Sample(noise, data, full(data.shape[0], 1, t, dtype: ScalarType.Float64)).Xt;
            spectra.Add(Spectrum(SampleCovariance.Of(xt)));
            foreach (var (label, start, count) in classes)
                perClass[label].Add(Spectrum(SampleCovariance.Of(xt.narrow(0, start, count))));
        }
        return Profile(grid, spectra, labels is null ? null : perClass);
    }

    /// <summary>Rows per block of the one pass over the pairs in <see cref="PairMoments"/>: bounds its scratch memory at
    /// a few blocks of (rows × d) float64 whatever n is.</summary>
    internal const int PairBlockRows = 8192;

    /// <summary>
    /// κ(t) of an affine path without forming x_t: the sample covariance is bilinear, so for x_t = α_t x₁ + σ_t x₀
    /// Cov(x_t) = α_t² C₁₁ + σ_t² C₀₀ + α_tσ_t (C₀₁ + C₁₀), with the blocks C of the pairs' joint sample covariance
    /// measured in one pass (<see cref="PairMoments"/>); each time then costs a d × d combination and eigvalsh. The same
    /// numbers as forming x_t, up to float64 rounding, with memory flat in n and in the number of times.
    /// </summary>
    private static ConditioningProfile FromPairMoments(Tensor noise, Tensor data, AffinePath path, IReadOnlyList<double> grid,
        List<(int Label, long Start, long Count)>? classes)
    {
        var whole = PairMoments(noise, data);
        var spectra = grid.Select(t => Spectrum(Combine(whole, path, t))).ToList();
        if (classes is null)
            return Profile(grid, spectra, null);
        var perClass = new Dictionary<int, List<double[]>>();
        foreach (var (label, start, count) in classes)
        {
            using var perClassScope = NewDisposeScope();
            var moments = PairMoments(noise.narrow(0, start, count), data.narrow(0, start, count));
            perClass[label] = grid.Select(t => Spectrum(Combine(moments, path, t))).ToList();
        }
        return Profile(grid, spectra, perClass);
    }

    /// <summary>The blocks C₀₀, C₀₁, C₁₁ of the unbiased joint sample covariance of the pairs (x₀ᵢ, x₁ᵢ), float64: the
    /// means first, then the centred cross products accumulated block by block.</summary>
    private static (Tensor C00, Tensor C01, Tensor C11) PairMoments(Tensor x0, Tensor x1)
    {
        long n = x0.shape[0], d = x0.shape[1];
        var mean0 = x0.mean([0], keepdim: true);
        var mean1 = x1.mean([0], keepdim: true);
        var c00 = zeros(d, d, dtype: ScalarType.Float64);
        var c01 = zeros(d, d, dtype: ScalarType.Float64);
        var c11 = zeros(d, d, dtype: ScalarType.Float64);
        for (long start = 0; start < n; start += PairBlockRows)
        {
            using var block = NewDisposeScope();
            long rows = Math.Min(PairBlockRows, n - start);
            var a = x0.narrow(0, start, rows) - mean0;
            var b = x1.narrow(0, start, rows) - mean1;
            c00.add_(a.T.mm(a));
            c01.add_(a.T.mm(b));
            c11.add_(b.T.mm(b));
        }
        return (c00 / (n - 1), c01 / (n - 1), c11 / (n - 1));
    }

    /// <summary>Cov(α_t x₁ + σ_t x₀) = α² C₁₁ + σ² C₀₀ + ασ (C₀₁ + C₀₁ᵀ), exactly symmetric.</summary>
    private static Tensor Combine((Tensor C00, Tensor C01, Tensor C11) moments, AffinePath path, double t)
    {
        using var scope = NewDisposeScope();
        var s = path.Scheduler.At(tensor(t, dtype: ScalarType.Float64));
        double alpha = s.Alpha.item<double>(), sigma = s.Sigma.item<double>();
        var covariance = alpha * alpha * moments.C11 + sigma * sigma * moments.C00 + alpha * sigma * (moments.C01 + moments.C01.T);
        return SymmetricMatrices.Symmetrize(covariance).MoveToOuterDisposeScope();
    }

    /// <summary>κ(t) from samples of x_t for a point cloud, per class when it is labelled.</summary>
    public static ConditioningProfile Sampled(PointCloud data, IProbabilityPath path, long seed = 0,
        IReadOnlyList<double>? times = null) =>
        Sampled(data.Points, path, seed, times, data.Labels);

    /// <summary>
    /// κ(t) from Cov(x_t) = α_t² Cov(x₁) + σ_t² I (per class from Cov(x₁ | y)): eigenvalues α_t²λ_i + σ_t²
    /// of the data covariance's eigenvalues λ_i, the data version of eq. 14.
    /// </summary>
    /// <param name="x1">(n, d) data points, n ≥ 2.</param>
    /// <param name="path">An affine path (its schedule gives α_t, σ_t).</param>
    /// <param name="times">Times in [0, 1]; <see cref="DefaultTimes"/> when null.</param>
    /// <param name="labels">(n) int64 class labels, or null.</param>
    public static ConditioningProfile Exact(Tensor x1, AffinePath path, IReadOnlyList<double>? times = null, Tensor? labels = null)
    {
        CheckPoints(x1, labels);
        var grid = CheckTimes(times ?? DefaultTimes);
        using var scope = NewDisposeScope();
        var data = x1.detach().to_type(ScalarType.Float64);
        var profile = FromCovariance(SampleCovariance.Of(data), path, grid);
        if (labels is null)
            return profile;
        var perClass = ClassRows(labels).ToDictionary(
            c => c.Key,
            c => FromCovariance(SampleCovariance.Of(data.index_select(0, c.Value)), path, grid));
        return profile with { PerClass = perClass };
    }

    /// <summary>κ(t) of α_t² C + σ_t² I for a given data covariance C (no labels).</summary>
    /// <param name="covariance">(d, d) symmetric positive semi-definite Cov(x₁).</param>
    /// <param name="path">An affine path.</param>
    /// <param name="times">Times in [0, 1]; <see cref="DefaultTimes"/> when null.</param>
    public static ConditioningProfile FromCovariance(Tensor covariance, AffinePath path, IReadOnlyList<double>? times = null)
    {
        var grid = CheckTimes(times ?? DefaultTimes);
        using var scope = NewDisposeScope();
        var lambda = SymmetricMatrices.Eigenvalues(covariance).data<double>().ToArray();
        var spectra = new List<double[]>();
        foreach (var t in grid)
        {
            using var perTime = NewDisposeScope();
            var s = path.Scheduler.At(tensor(t, dtype: ScalarType.Float64));
            double alpha = s.Alpha.item<double>(), sigma = s.Sigma.item<double>();
            // α² ≥ 0 keeps the ascending order of λ.
            spectra.Add(lambda.Select(l => alpha * alpha * l + sigma * sigma).ToArray());
        }
        return Profile(grid, spectra, null);
    }

    /// <summary>Eigenvalues (ascending) of a covariance, float64.</summary>
    private static double[] Spectrum(Tensor covariance) => SymmetricMatrices.Eigenvalues(covariance).data<double>().ToArray();

    private static ConditioningProfile Profile(IReadOnlyList<double> times, List<double[]> spectra,
        Dictionary<int, List<double[]>>? perClass) =>
        new(times.ToArray(),
            spectra.Select(SymmetricMatrices.ConditionNumberOfSpectrum).ToArray(),
            spectra.Select(s => (IReadOnlyList<double>)s).ToArray(),
            perClass?.ToDictionary(c => c.Key, c => Profile(times, c.Value, null)));

    /// <summary>The row indices of each class with at least two points, by label.</summary>
    private static Dictionary<int, Tensor> ClassRows(Tensor? labels)
    {
        var rows = new Dictionary<int, Tensor>();
        if (labels is null)
            return rows;
        var flat = labels.flatten().to_type(ScalarType.Int64);
        foreach (var label in flat.unique().output.data<long>().ToArray())
        {
            var index = (flat == label).nonzero().flatten();
            if (index.shape[0] >= 2)
                rows[(int)label] = index;
        }
        return rows;
    }

    private static void CheckPoints(Tensor x1, Tensor? labels)
    {
        PointChecks.Points(x1, nameof(x1), "Conditioning analysis", minimumCount: 2);
        if (labels is not null)
            PointChecks.Labels(x1, labels, "Conditioning analysis");
    }

    private static IReadOnlyList<double> CheckTimes(IReadOnlyList<double> times)
    {
        if (times.Count == 0 || times.Any(t => !(t >= 0 && t <= 1)))
            throw new ArgumentOutOfRangeException(nameof(times),
                $"Times must lie in [0, 1] (at least one); got [{string.Join(", ", times)}].");
        return times;
    }
}
