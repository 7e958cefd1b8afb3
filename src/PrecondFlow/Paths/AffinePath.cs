using PrecondFlow.Paths.Schedulers;
using static TorchSharp.torch;

namespace PrecondFlow.Paths;

/// <summary>
/// x_t = α_t·x₁ + σ_t·x₀ with velocity α̇_t·x₁ + σ̇_t·x₀ (SPEC §2). Also converts between the
/// parametrisations a network may predict: velocity, noise ε = x₀, and score −ε/σ_t.
/// </summary>
public sealed class AffinePath : IProbabilityPath
{
    /// <summary>The affine path of <paramref name="scheduler"/>.</summary>
    /// <param name="scheduler">The schedule (α_t, σ_t).</param>
    public AffinePath(IScheduler scheduler) => Scheduler = scheduler;

    /// <summary>The schedule (α_t, σ_t) of this path.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>The scheduler's name ("linear", "sine-cosine", "vp").</summary>
    public string Name => Scheduler.Name;

    /// <summary>The affine path of the scheduler named <paramref name="name"/> (see <see cref="Schedulers.Schedulers.FromName"/>).</summary>
    /// <param name="name">"linear", "sine-cosine" (or "cosine") or "vp".</param>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static AffinePath FromName(string name) => new(Schedulers.Schedulers.FromName(name));

    /// <summary>x_t = α_t·x₁ + σ_t·x₀ and the conditional velocity target α̇_t·x₁ + σ̇_t·x₀ (SPEC §2). The returned sample
    /// holds <paramref name="x0"/>, <paramref name="x1"/> and <paramref name="t"/> themselves, not copies.</summary>
    /// <param name="x0">(batch, dim) base sample, x₀ ~ N(0, I).</param>
    /// <param name="x1">(batch, dim) data sample.</param>
    /// <param name="t">(batch, 1) times in [0, 1].</param>
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
