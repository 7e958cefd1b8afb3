using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace PrecondFlow.Paths;

/// <summary>The shape of the bridge noise added to the straight path between x₀ and x₁.</summary>
public enum BridgeKind
{
    /// <summary>I-CFM: x_t = t·x₁ + (1 − t)·x₀ + σ·ε, target x₁ − x₀ (Tong et al., eq. 14–15).</summary>
    Constant,

    /// <summary>SB-CFM: x_t = t·x₁ + (1 − t)·x₀ + σ√(t(1 − t))·ε (a Brownian bridge), target
    /// (1 − 2t)/(2t(1 − t))·(x_t − (t·x₁ + (1 − t)·x₀)) + x₁ − x₀ (Tong et al., eq. 21).</summary>
    Schrodinger,
}

/// <summary>
/// Gaussian noise around the straight (linear-scheduler) path between a pair (x₀, x₁), as in conditional flow matching
/// with σ > 0; the formulas are those of TorchCFM's <c>ConditionalFlowMatcher</c> and <c>SchrodingerBridgeConditionalFlowMatcher</c>.
/// σ = 0 is the plain path, unchanged.
/// </summary>
/// <param name="Sigma">The noise scale σ ≥ 0.</param>
/// <param name="Kind">Constant noise (I-CFM) or a Brownian bridge (SB-CFM).</param>
public sealed record BridgeNoise(double Sigma = 0, BridgeKind Kind = BridgeKind.Constant)
{
    // TorchCFM's guard against division by zero at t ∈ {0, 1}, kept so that both give the same targets.
    private const double TimeGuard = 1e-8;

    /// <summary>False when σ = 0: the path is used as it is and no noise is drawn.</summary>
    [JsonIgnore]
    public bool IsActive => Sigma > 0;

    /// <summary>Checks σ.</summary>
    /// <exception cref="ArgumentOutOfRangeException">σ negative or not finite.</exception>
    public void Validate()
    {
        if (!(Sigma >= 0) || !double.IsFinite(Sigma))
            throw new ArgumentOutOfRangeException(nameof(Sigma), Sigma, $"The bridge noise σ must be 0 or positive, e.g. 0.1; got {Sigma}.");
    }

    /// <summary>σ_t: σ (constant) or σ√(t(1 − t)) (Schrödinger bridge).</summary>
    /// <param name="t">(batch, 1) times.</param>
    public Tensor StandardDeviation(Tensor t) =>
        Kind == BridgeKind.Schrodinger ? Sigma * (t * (1 - t)).sqrt() : full_like(t, Sigma);

    /// <summary>Adds the noise to a sample of the straight path x_t = t·x₁ + (1 − t)·x₀ and sets the matching target.</summary>
    /// <param name="sample">A sample of the linear path (its Xt is the mean μ_t, its Velocity x₁ − x₀).</param>
    /// <param name="epsilon">(batch, dim) standard normal noise.</param>
    /// <returns>The sample with Xt = μ_t + σ_t·ε and Velocity the conditional target of <see cref="Kind"/>.</returns>
    public PathSample Apply(PathSample sample, Tensor epsilon)
    {
        var mean = sample.Xt;
        var xt = mean + StandardDeviation(sample.T) * epsilon;
        var target = Kind == BridgeKind.Schrodinger
            ? (1 - 2 * sample.T) / (2 * sample.T * (1 - sample.T) + TimeGuard) * (xt - mean) + sample.Velocity
            : sample.Velocity;
        return sample with { Xt = xt, Velocity = target };
    }
}
