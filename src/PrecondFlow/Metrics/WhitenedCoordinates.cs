using PrecondFlow.Data.Internal;
using PrecondFlow.LinearAlgebra;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// The reference set's whitened coordinates, in which distances see thin directions as well as wide ones:
/// z = Uᵀ Σ_ref^(−½) (x − μ_ref), written for rows as z = (x − μ_ref)·<see cref="Map"/>. The reference has mean 0
/// and covariance I in them.
/// <para>
/// Why the rotation U: whitening fixes z only up to a rotation, and a rotation leaves MMD, energy and Fréchet
/// distances unchanged but not a sliced Wasserstein estimate with a fixed set of random directions. U is the
/// eigenbasis of the whitened reference's fourth-moment matrix B = mean(‖z₀‖² z₀ z₀ᵀ), z₀ = Σ_ref^(−½)(x − μ_ref)
/// (the frame of FOBI, Cardoso 1989), each axis signed so that the reference's third moment along it is ≥ 0. For
/// x ↦ Ax + b applied to reference and samples alike (A invertible), z₀ turns by an orthogonal R, B by Rᵀ B R and
/// U by Rᵀ U, so z itself does not change: every distance computed in these coordinates is affine-invariant, up to
/// round-off. The frame is well defined when B's eigenvalues are distinct, which holds for sampled data except for
/// ties of probability zero; close eigenvalues (a gap near round-off) would make U, hence only the sliced
/// distances, sensitive to the map.
/// </para>
/// </summary>
public sealed class WhitenedCoordinates : IDisposable
{
    private WhitenedCoordinates(Tensor mean, Tensor map)
    {
        Mean = mean;
        Map = map;
    }

    /// <summary>(d) float64 μ_ref.</summary>
    public Tensor Mean { get; }

    /// <summary>(d, d) float64 Σ_ref^(−½) U (columns signed): z = (x − μ_ref)·Map.</summary>
    public Tensor Map { get; }

    /// <summary>
    /// The whitened coordinates of <paramref name="reference"/>, or null when its covariance is singular
    /// (smallest eigenvalue ≤ 10⁻¹² × largest: fewer points than dimensions, or a constant coordinate).
    /// </summary>
    /// <param name="reference">(n, d) reference points, n ≥ 2.</param>
    public static WhitenedCoordinates? Fit(Tensor reference)
    {
        PointChecks.Points(reference, nameof(reference), "Whitened coordinates", minimumCount: 2);
        using var scope = NewDisposeScope();
        var x = reference.detach().to_type(ScalarType.Float64);
        var mean = x.mean([0]);
        var factors = WhiteningFactors.TryCompute(SampleCovariance.Of(x), out _, out _);
        if (factors is null)
            return null;
        var z0 = (x - mean).matmul(factors.Whitener);
        var fourth = (z0 * z0.square().sum(1, keepdim: true)).T.matmul(z0) / x.shape[0];
        var (_, u) = SymmetricMatrices.Decompose(fourth);
        var third = z0.matmul(u).pow(3).mean([0]);
        var signs = where(third < 0, -ones_like(third), ones_like(third));
        var map = factors.Whitener.matmul(u * signs.unsqueeze(0));
        return new WhitenedCoordinates(mean.MoveToOuterDisposeScope(), map.MoveToOuterDisposeScope());
    }

    /// <summary>z = (x − μ_ref)·Map.</summary>
    /// <param name="points">(m, d) points in data coordinates.</param>
    /// <returns>(m, d) float64.</returns>
    public Tensor Apply(Tensor points)
    {
        PointChecks.Points(points, nameof(points), "Whitened coordinates", dim: Mean.shape[0]);
        using var scope = NewDisposeScope();
        return (points.detach().to_type(ScalarType.Float64) - Mean).matmul(Map).MoveToOuterDisposeScope();
    }

    /// <summary>Releases <see cref="Mean"/> and <see cref="Map"/>.</summary>
    public void Dispose()
    {
        Mean.Dispose();
        Map.Dispose();
    }
}
