using PrecondFlow.Data.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.LinearAlgebra;

/// <summary>
/// Sample covariances in float64: of one point set, pooled within classes, and shrunk towards a multiple of the
/// identity. Every covariance of the library (whitening, κ(Cov x_t), Fréchet distances) comes from here.
/// </summary>
public static class SampleCovariance
{
    /// <summary>The unbiased sample covariance Σ = Σᵢ (xᵢ − x̄)(xᵢ − x̄)ᵀ / (n − 1) (torch.cov).</summary>
    /// <param name="points">(n, d) float32 or float64 points, n ≥ 2.</param>
    /// <returns>(d, d) float64, exactly symmetric.</returns>
    public static Tensor Of(Tensor points)
    {
        PointChecks.Points(points, nameof(points), "Sample covariance", minimumCount: 2);
        using var scope = NewDisposeScope();
        var d = points.shape[1];
        // torch.cov wants variables in rows; it squeezes a 1×1 result to a scalar, hence the reshape.
        var sigma = points.to_type(ScalarType.Float64).T.cov().reshape(d, d);
        return SymmetricMatrices.Symmetrize(sigma).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The pooled within-class covariance Σ_pool = Σₖ Σ_{i ∈ k} (xᵢ − μₖ)(xᵢ − μₖ)ᵀ / (N − K): each class is
    /// centred on its own mean, and N − K degrees of freedom remain after estimating K means.
    /// </summary>
    /// <param name="classes">K ≥ 1 tensors, (nₖ, d) points of class k, nₖ ≥ 1, with N = Σ nₖ &gt; K.</param>
    /// <returns>(d, d) float64, exactly symmetric.</returns>
    public static Tensor PooledWithinClass(IReadOnlyList<Tensor> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count == 0)
            throw new ArgumentException("A pooled covariance needs at least one class.", nameof(classes));
        PointChecks.Points(classes[0], "classes[0]", "Pooled covariance");
        for (var k = 1; k < classes.Count; k++)
            PointChecks.Points(classes[k], $"classes[{k}]", "Pooled covariance", dim: classes[0].shape[1]);
        var total = classes.Sum(c => c.shape[0]);
        var degrees = total - classes.Count;
        if (degrees < 1)
            throw new ArgumentException(
                $"A pooled covariance of {classes.Count} classes needs more than {classes.Count} points (N − K ≥ 1); " +
                $"got {total}: every class has a single point.", nameof(classes));
        using var scope = NewDisposeScope();
        var d = classes[0].shape[1];
        var scatter = zeros(d, d, dtype: ScalarType.Float64, device: classes[0].device);
        foreach (var points in classes)
        {
            var x = points.to_type(ScalarType.Float64);
            var centred = x - x.mean([0], keepdim: true);
            scatter = scatter + centred.T.mm(centred);
        }
        return SymmetricMatrices.Symmetrize(scatter / degrees).MoveToOuterDisposeScope();
    }

    /// <summary>The pooled within-class covariance (see <see cref="PooledWithinClass(IReadOnlyList{Tensor})"/>)
    /// of labelled points; the classes are the distinct label values.</summary>
    /// <param name="points">(N, d) float32 or float64 points.</param>
    /// <param name="labels">(N) integer labels.</param>
    /// <returns>(d, d) float64, exactly symmetric.</returns>
    public static Tensor PooledWithinClass(Tensor points, Tensor labels)
    {
        PointChecks.Points(points, nameof(points), "Pooled covariance");
        PointChecks.Labels(points, labels, "Pooled covariance");
        using var scope = NewDisposeScope();
        var flat = labels.to_type(ScalarType.Int64);
        var classes = flat.unique().output.cpu().data<long>().ToArray()
            .Select(label => points.index_select(0, (flat == label).nonzero().flatten()))
            .ToArray();
        return PooledWithinClass(classes).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Shrinkage towards a multiple of the identity, Σ ← (1 − γ)Σ + γ·(tr Σ / d)·I (Ledoit–Wolf's target): the
    /// trace is kept, the eigenvalues move towards their mean, and any γ &gt; 0 makes a non-zero Σ positive definite.
    /// </summary>
    /// <param name="covariance">(d, d) float64 covariance.</param>
    /// <param name="gamma">γ in [0, 1]; 0 returns a copy.</param>
    /// <returns>(d, d) float64.</returns>
    public static Tensor Shrink(Tensor covariance, double gamma)
    {
        SymmetricMatrices.CheckSquare(covariance, nameof(covariance));
        if (!(gamma >= 0 && gamma <= 1))
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "The shrinkage γ must lie in [0, 1] (0: none, 1: a scaled identity).");
        if (gamma == 0)
            return covariance.clone();
        using var scope = NewDisposeScope();
        var d = covariance.shape[0];
        var scale = covariance.trace() / d;
        var target = scale * eye(d, dtype: covariance.dtype, device: covariance.device);
        return ((1 - gamma) * covariance + gamma * target).MoveToOuterDisposeScope();
    }
}
