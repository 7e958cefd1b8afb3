using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>How training times are drawn.</summary>
public enum TimeDistribution
{
    /// <summary>t ~ U(0, 1).</summary>
    Uniform,
    /// <summary>t = sigmoid(m + s·n), n ~ N(0, 1) (Esser et al. 2024): more weight on intermediate times.</summary>
    LogitNormal,
}

/// <summary>
/// The distribution of training times and, optionally, the importance weight that turns a logit-normal draw back
/// into the uniform-time objective: w(t) = 1/p(t), so E_{t~p}[w(t)·ℓ(t)] = ∫₀¹ ℓ(t) dt. The weight is capped at
/// <see cref="MaxWeight"/> because 1/p(t) is unbounded at the ends of [0, 1]; the cap biases only the far tails.
/// </summary>
/// <param name="Distribution">Uniform or logit-normal.</param>
/// <param name="Mean">m, the mean of the logit-normal's normal.</param>
/// <param name="Std">s &gt; 0, its standard deviation.</param>
/// <param name="ImportanceWeighted">Weight each logit-normal draw by 1/p(t), capped at <paramref name="MaxWeight"/>.</param>
/// <param name="MaxWeight">The weight cap, ≥ 1.</param>
public sealed record TimeSampling(
    TimeDistribution Distribution = TimeDistribution.Uniform,
    double Mean = 0.0,
    double Std = 1.0,
    bool ImportanceWeighted = false,
    double MaxWeight = 100.0)
{
    /// <summary>Checks that Std &gt; 0 and MaxWeight ≥ 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Either value is out of range.</exception>
    public void Validate()
    {
        if (!(Std > 0))
            throw new ArgumentOutOfRangeException(nameof(Std), Std, "The logit-normal standard deviation must be positive.");
        if (!(MaxWeight >= 1))
            throw new ArgumentOutOfRangeException(nameof(MaxWeight), MaxWeight, "The weight cap must be at least 1.");
    }

    /// <summary>Draws (batch, 1) times and their loss weights (batch, 1).</summary>
    public (Tensor T, Tensor Weight) Draw(long batch, Generator generator, ScalarType dtype, Device device)
    {
        if (Distribution == TimeDistribution.Uniform)
        {
            var u = rand(new[] { batch, 1L }, dtype: dtype, device: device, generator: generator);
            return (u, ones_like(u));
        }
        var n = randn(new[] { batch, 1L }, dtype: dtype, device: device, generator: generator);
        var logit = Mean + Std * n;
        var t = logit.sigmoid();
        if (!ImportanceWeighted)
            return (t, ones_like(t));
        // p(t) = φ((logit t − m)/s) / (s · t(1 − t))
        var density = (-(n.square()) / 2).exp() / (Std * Math.Sqrt(2 * Math.PI) * t * (1 - t));
        return (t, (1 / density).clamp(max: MaxWeight));
    }
}
