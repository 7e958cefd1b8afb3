using PrecondFlow.Paths.Schedulers;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Theory;

/// <summary>
/// The Gaussian-mixture case of SPEC §3 (paper eq. 19–21, App. C): target Σ_k π_k N(0, Σ_k), base
/// N(0, I), one affine path. With perfect gating each component is its own regression, governed by
/// Σ_{t,k} = α_t²Σ_k + σ_t²I (eq. 20, 87) with eigenvalues α_t²λ_{i,k} + σ_t² (eq. 88) and condition
/// number κ_k(t) (eq. 89). The components share one learning rate, bounded by the largest eigenvalue
/// over all of them, while the slowest mode is the smallest eigenvalue over all of them (eq. 90, 93–94):
/// the hardest component sets the global rate.
/// </summary>
public sealed class GaussianMixtureTransport
{
    private readonly double[] weights;
    private readonly GaussianTransport[] components;

    /// <param name="weights">Mixture weights π_k (positive; normalised to sum to 1).</param>
    /// <param name="covariances">One (d, d) positive definite Σ_k per component.</param>
    /// <param name="scheduler">The path's schedule; the linear path when null.</param>
    public GaussianMixtureTransport(IReadOnlyList<double> weights, IReadOnlyList<Tensor> covariances, IScheduler? scheduler = null)
    {
        if (weights.Count == 0 || weights.Count != covariances.Count)
            throw new ArgumentException(
                $"A mixture needs one weight per covariance and at least one component; got {weights.Count} weights and {covariances.Count} covariances.",
                nameof(weights));
        if (weights.Any(w => !(w > 0) || double.IsInfinity(w)))
            throw new ArgumentOutOfRangeException(nameof(weights),
                $"Mixture weights must be positive and finite; got [{string.Join(", ", weights)}].");
        var total = weights.Sum();
        this.weights = weights.Select(w => w / total).ToArray();
        components = covariances.Select(c => new GaussianTransport(c, scheduler)).ToArray();
        if (components.Any(c => c.Dim != components[0].Dim))
            throw new ArgumentException(
                $"All components must have the same dimension; got [{string.Join(", ", components.Select(c => c.Dim))}].",
                nameof(covariances));
    }

    /// <summary>The normalised weights π_k.</summary>
    public IReadOnlyList<double> Weights => weights;

    /// <summary>One Gaussian transport per component (same path).</summary>
    public IReadOnlyList<GaussianTransport> Components => components;

    /// <summary>Dimension d.</summary>
    public int Dim => components[0].Dim;

    /// <summary>κ_k(t) = κ(Σ_{t,k}) for every component (eq. 89).</summary>
    public double[] ConditionNumbersAt(double t) => components.Select(c => c.ConditionNumberAt(t)).ToArray();

    /// <summary>min_k λ_min(Σ_{t,k}): the slowest mode of the whole model (eq. 90).</summary>
    public double SmallestEigenvalueAt(double t) => components.Min(c => c.EigenvaluesAt(t)[0]);

    /// <summary>max_k λ_max(Σ_{t,k}): bounds the shared learning rate, η &lt; 2/max_k λ_max (eq. 93).</summary>
    public double LargestEigenvalueAt(double t) => components.Max(c => c.EigenvaluesAt(t)[^1]);

    /// <summary>
    /// max_k λ_max(Σ_{t,k}) / min_k λ_min(Σ_{t,k}): the condition number that sets the number of
    /// gradient steps of the mixture regression with one shared learning rate (eq. 94). At least the
    /// largest κ_k(t).
    /// </summary>
    public double EffectiveConditionNumberAt(double t) => LargestEigenvalueAt(t) / SmallestEigenvalueAt(t);

    /// <summary>Draws labelled target samples: a component k ~ π, then x₁ ~ N(0, Σ_k).</summary>
    /// <returns>Points (n, d) float64 and Labels (n) int64 component indices.</returns>
    public (Tensor Points, Tensor Labels) Sample(long count, Generator generator)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Draw at least one sample.");
        using var scope = NewDisposeScope();
        var labels = multinomial(tensor(weights, dtype: ScalarType.Float64), count, replacement: true, generator: generator);
        var points = zeros(count, Dim, dtype: ScalarType.Float64);
        for (var k = 0; k < components.Length; k++)
        {
            var index = (labels == k).nonzero().flatten();
            if (index.shape[0] > 0)
                points.index_copy_(0, index, components[k].Sample(index.shape[0], generator));
        }
        return (points.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }
}
