using PrecondFlow.Paths.Schedulers;
using static TorchSharp.torch;

namespace PrecondFlow.Paths;

/// <summary>
/// x_t = α_t·x₁ + σ_t·x₀ with velocity α̇_t·x₁ + σ̇_t·x₀ (SPEC §2). Also converts between the
/// parametrisations a network may predict: velocity, noise ε = x₀, and score −ε/σ_t.
/// </summary>
public sealed class AffinePath : IProbabilityPath
{
    public AffinePath(IScheduler scheduler) => Scheduler = scheduler;

    public IScheduler Scheduler { get; }

    public string Name => Scheduler.Name;

    public static AffinePath FromName(string name) => new(Schedulers.Schedulers.FromName(name));

    public PathSample Sample(Tensor x0, Tensor x1, Tensor t)
    {
        var s = Scheduler.At(t);
        var xt = s.Alpha * x1 + s.Sigma * x0;
        var velocity = s.DAlpha * x1 + s.DSigma * x0;
        return new PathSample(x0, x1, t, xt, velocity);
    }

    /// <summary>
    /// The velocity of the marginal flow given a noise prediction ε̂ at x_t:
    /// v = (α̇/α)·x + (σ̇ − α̇σ/α)·ε̂. Singular where α_t = 0 (t = 0 for linear and sine–cosine paths).
    /// </summary>
    public Tensor NoiseToVelocity(Tensor epsilon, Tensor x, Tensor t)
    {
        var s = Scheduler.At(t);
        var rate = s.DAlpha / s.Alpha;
        return rate * x + (s.DSigma - rate * s.Sigma) * epsilon;
    }

    /// <summary>The score ∇log p_t(x) = −ε̂/σ_t given a noise prediction ε̂.</summary>
    public Tensor NoiseToScore(Tensor epsilon, Tensor t) => -epsilon / Scheduler.At(t).Sigma;

    /// <summary>
    /// The squared diffusion coefficient g_t² = 2σ_t(α̇_t σ_t/α_t − σ̇_t) of the SDE whose marginals
    /// are those of this path (the forward diffusion run backwards in time).
    /// </summary>
    public Tensor DiffusionSquared(Tensor t)
    {
        var s = Scheduler.At(t);
        return 2 * s.Sigma * (s.DAlpha * s.Sigma / s.Alpha - s.DSigma);
    }
}
