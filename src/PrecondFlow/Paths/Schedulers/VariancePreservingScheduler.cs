using static TorchSharp.torch;

namespace PrecondFlow.Paths.Schedulers;

/// <summary>
/// The variance-preserving diffusion schedule (Song et al. 2021) with a linear noise rate
/// β(τ) = β_min + τ(β_max − β_min) in diffusion time τ = 1 − t:
/// α_t = exp(−¼τ²(β_max − β_min) − ½τβ_min), σ_t = √(1 − α_t²).
/// At t = 0, α is small but not zero (≈ 0.0064 for the defaults), so the base is only
/// approximately N(0, I), exactly as in the diffusion literature.
/// </summary>
public sealed class VariancePreservingScheduler : IScheduler
{
    /// <summary>The VP schedule with noise rates from <paramref name="betaMin"/> (at t = 1) to <paramref name="betaMax"/> (at t = 0).</summary>
    /// <param name="betaMin">β_min &gt; 0 (default 0.1).</param>
    /// <param name="betaMax">β_max &gt; β_min (default 20).</param>
    /// <exception cref="ArgumentOutOfRangeException">Unless 0 &lt; betaMin &lt; betaMax.</exception>
    public VariancePreservingScheduler(double betaMin = 0.1, double betaMax = 20.0)
    {
        if (!(betaMin > 0) || !(betaMax > betaMin))
            throw new ArgumentOutOfRangeException(nameof(betaMax),
                $"The VP schedule needs 0 < betaMin < betaMax; got betaMin = {betaMin}, betaMax = {betaMax}.");
        BetaMin = betaMin;
        BetaMax = betaMax;
    }

    /// <summary>β_min, the noise rate at diffusion time τ = 0 (t = 1).</summary>
    public double BetaMin { get; }
    /// <summary>β_max, the noise rate at diffusion time τ = 1 (t = 0).</summary>
    public double BetaMax { get; }

    /// <inheritdoc/>
    public string Name => "vp";

    /// <summary>α_t as in the type's summary, σ_t = √(1 − α_t²) (clamped at 1e-12 under the root), α̇_t = ½β(τ)α_t and
    /// σ̇_t = −α_t α̇_t/σ_t, each of t's shape.</summary>
    /// <param name="t">Times, any shape.</param>
    public SchedulerValues At(Tensor t)
    {
        var tau = 1 - t;
        var logAlpha = -0.25 * tau.square() * (BetaMax - BetaMin) - 0.5 * tau * BetaMin;
        var alpha = logAlpha.exp();
        // d(log α)/dt = −d(log α)/dτ = ½β(τ)
        var beta = BetaMin + tau * (BetaMax - BetaMin);
        var dAlpha = 0.5 * beta * alpha;
        var sigma = (1 - alpha.square()).clamp_min(1e-12).sqrt();
        var dSigma = -alpha * dAlpha / sigma;
        return new(alpha, sigma, dAlpha, dSigma);
    }
}
