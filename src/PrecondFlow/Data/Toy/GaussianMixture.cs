using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>
/// A mixture Σ_k π_k·N(μ_k, Σ_k) in any dimension (SPEC §3, eq. 19–21): a point picks component k
/// with probability π_k, then draws μ_k + L_k·ε with L_k the Cholesky factor of Σ_k. The label is k.
/// The parameters, and the mixture's own mean and covariance, are exposed as float64 tensors.
/// </summary>
public sealed class GaussianMixture : ToyDataset
{
    private readonly double[] weights;
    private readonly double[] means;
    private readonly double[] covariances;
    private readonly double[] choleskyFactors;

    /// <param name="weights">K weights ≥ 0 with a positive sum; they are normalised to sum to 1.</param>
    /// <param name="means">K means, each of length d ≥ 1.</param>
    /// <param name="covariances">K symmetric positive definite d×d covariances.</param>
    public GaussianMixture(IReadOnlyList<double> weights, IReadOnlyList<double[]> means, IReadOnlyList<double[,]> covariances)
    {
        var k = weights.Count;
        if (k == 0)
            throw new ArgumentException("A Gaussian mixture needs at least one component; got no weights.", nameof(weights));
        if (means.Count != k || covariances.Count != k)
            throw new ArgumentException(
                $"A mixture needs one weight, mean and covariance per component; got {k} weights, {means.Count} means and {covariances.Count} covariances.",
                nameof(means));
        if (weights.Any(w => !double.IsFinite(w) || w < 0) || weights.Sum() <= 0)
            throw new ArgumentOutOfRangeException(nameof(weights), $"[{string.Join(", ", weights)}]",
                "Mixture weights must be finite, ≥ 0 and not all zero, e.g. [0.5, 0.5].");
        var d = means[0].Length;
        if (d == 0)
            throw new ArgumentException("Each mean needs at least one coordinate.", nameof(means));

        var total = weights.Sum();
        this.weights = weights.Select(w => w / total).ToArray();
        this.means = new double[k * d];
        this.covariances = new double[k * d * d];
        for (var c = 0; c < k; c++)
        {
            if (means[c].Length != d)
                throw new ArgumentException($"Mean {c} has {means[c].Length} coordinates, mean 0 has {d}; all must agree.", nameof(means));
            if (means[c].Any(v => !double.IsFinite(v)))
                throw new ArgumentOutOfRangeException(nameof(means), $"[{string.Join(", ", means[c])}]", $"Mean {c} must be finite.");
            means[c].CopyTo(this.means, c * d);

            var cov = covariances[c];
            if (cov.GetLength(0) != d || cov.GetLength(1) != d)
                throw new ArgumentException($"Covariance {c} is {cov.GetLength(0)}×{cov.GetLength(1)}; it must be {d}×{d} like the means.", nameof(covariances));
            var scale = 0.0;
            foreach (var v in cov)
                scale = Math.Max(scale, Math.Abs(v));
            for (var i = 0; i < d; i++)
            for (var j = 0; j < d; j++)
            {
                if (!double.IsFinite(cov[i, j]))
                    throw new ArgumentOutOfRangeException(nameof(covariances), cov[i, j], $"Covariance {c} has a non-finite entry at ({i}, {j}).");
                // Symmetric up to rounding: a tolerance relative to the largest entry.
                if (Math.Abs(cov[i, j] - cov[j, i]) > 1e-12 * scale)
                    throw new ArgumentException(
                        $"Covariance {c} is not symmetric: entry ({i}, {j}) = {cov[i, j]} but ({j}, {i}) = {cov[j, i]}.", nameof(covariances));
                this.covariances[(c * d + i) * d + j] = 0.5 * (cov[i, j] + cov[j, i]);
            }
        }

        using var scope = NewDisposeScope();
        var (factors, info) = linalg.cholesky_ex(tensor(this.covariances, [k, d, d], ScalarType.Float64));
        var failures = info.data<int>().ToArray();
        for (var c = 0; c < k; c++)
            if (failures[c] != 0)
                throw new ArgumentException(
                    $"Covariance {c} is not positive definite (its Cholesky factorisation fails at row {failures[c]}); " +
                    "every component needs a covariance with strictly positive eigenvalues.", nameof(covariances));
        choleskyFactors = factors.data<double>().ToArray();
        Components = k;
        Dimension = d;
    }

    /// <summary>Builds a mixture from (K) weights, (K, d) means and (K, d, d) covariances (any float type).</summary>
    public static GaussianMixture FromTensors(Tensor weights, Tensor means, Tensor covariances)
    {
        if (weights.dim() != 1 || means.dim() != 2 || covariances.dim() != 3)
            throw new ArgumentException(
                $"Expected weights (K), means (K, d) and covariances (K, d, d); got ranks {weights.dim()}, {means.dim()} and {covariances.dim()}.",
                nameof(weights));
        using var scope = NewDisposeScope();
        var w = weights.detach().cpu().to(ScalarType.Float64).data<double>().ToArray();
        var m = means.detach().cpu().to(ScalarType.Float64).contiguous();
        var s = covariances.detach().cpu().to(ScalarType.Float64).contiguous();
        var k = (int)m.shape[0];
        var d = (int)m.shape[1];
        if (s.shape[0] != k || s.shape[1] != d || s.shape[2] != d)
            throw new ArgumentException(
                $"Covariances must have shape ({k}, {d}, {d}) to match the means; got ({string.Join(", ", s.shape)}).", nameof(covariances));
        var meanRows = Enumerable.Range(0, k).Select(c => m[c].data<double>().ToArray()).ToArray();
        var covs = new double[k][,];
        var flat = s.data<double>().ToArray();
        for (var c = 0; c < k; c++)
        {
            covs[c] = new double[d, d];
            for (var i = 0; i < d; i++)
            for (var j = 0; j < d; j++)
                covs[c][i, j] = flat[(c * d + i) * d + j];
        }
        return new GaussianMixture(w, meanRows, covs);
    }

    /// <summary>
    /// The registry's default 2D mixture: three components with different shapes, weights
    /// (0.4, 0.35, 0.25), means (−2, −1), (2, −1), (0, 2); covariances with eigenvalues (1, 0.02) rotated
    /// by 20° (κ = 50), (0.5, 0.05) rotated by −60° (κ = 10), and 0.1·I (κ = 1).
    /// </summary>
    public static GaussianMixture Default2D()
    {
        static double[,] Square(double[] flat) => new[,] { { flat[0], flat[1] }, { flat[2], flat[3] } };
        return new GaussianMixture(
            [0.4, 0.35, 0.25],
            [[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]],
            [
                Square(ElongatedGaussian.RotatedCovariance(1.0, 0.02, 20)),
                Square(ElongatedGaussian.RotatedCovariance(0.5, 0.05, -60)),
                Square([0.1, 0.0, 0.0, 0.1]),
            ]);
    }

    /// <summary>Number of components K.</summary>
    public int Components { get; }

    /// <summary>Dimension d of the points.</summary>
    public int Dimension { get; }

    /// <summary>d, the same as <see cref="Dimension"/>.</summary>
    public override int Dim => Dimension;

    /// <summary>K, the same as <see cref="Components"/>: the label is the component.</summary>
    public override int NumClasses => Components;

    /// <inheritdoc/>
    public override string Name => "gaussian-mixture";

    /// <summary>π, a new (K) float64 CPU tensor summing to 1.</summary>
    public Tensor Weights => tensor(weights, ScalarType.Float64);

    /// <summary>μ_k, a new (K, d) float64 CPU tensor.</summary>
    public Tensor Means => tensor(means, [Components, Dimension], ScalarType.Float64);

    /// <summary>Σ_k, a new (K, d, d) float64 CPU tensor.</summary>
    public Tensor Covariances => tensor(covariances, [Components, Dimension, Dimension], ScalarType.Float64);

    /// <summary>The mixture's mean Σ_k π_k μ_k, a new (d) float64 CPU tensor.</summary>
    public Tensor Mean
    {
        get
        {
            using var scope = NewDisposeScope();
            return (Weights.unsqueeze(1) * Means).sum([0]).MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// The mixture's covariance Σ_k π_k (Σ_k + μ_k μ_kᵀ) − μ μᵀ (law of total covariance), a new
    /// (d, d) float64 CPU tensor.
    /// </summary>
    public Tensor Covariance
    {
        get
        {
            using var scope = NewDisposeScope();
            var pi = Weights.view(-1, 1, 1);
            var mu = Means;
            var second = (pi * (Covariances + mu.unsqueeze(2) * mu.unsqueeze(1))).sum([0]);
            var mean = Mean;
            return (second - mean.unsqueeze(1) * mean.unsqueeze(0)).MoveToOuterDisposeScope();
        }
    }

    /// <inheritdoc/>
    protected override (Tensor Points, Tensor? Labels) SampleFloat64(long count, Generator generator)
    {
        var device = generator.device;
        var labels = multinomial(tensor(weights, ScalarType.Float64, device), count, replacement: true, generator: generator);
        var z = randn([count, Dimension], ScalarType.Float64, device, generator: generator);
        var mu = tensor(means, [Components, Dimension], ScalarType.Float64, device);
        var factors = tensor(choleskyFactors, [Components, Dimension, Dimension], ScalarType.Float64, device);
        var points = empty_like(z);
        // One matrix product per component: gathering a (count, d, d) stack of factors would not fit for large d.
        for (var c = 0; c < Components; c++)
        {
            var index = labels.eq(c).nonzero().squeeze(1);
            if (index.numel() == 0)
                continue;
            points.index_copy_(0, index, z.index_select(0, index).matmul(factors[c].T) + mu[c]);
        }
        return (points, labels);
    }
}
