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
/// x_t = α_t x₁ + σ_t x₀ with fresh seeded noise and measures the sample covariance (works for any path);</item>
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
