using static TorchSharp.torch;

namespace PrecondFlow.Paths.Schedulers;

/// <summary>
/// Coefficients of an affine probability path x_t = α_t·x₁ + σ_t·x₀ at times t, with their time
/// derivatives. Time runs from t = 0 (the base, x₀ ~ N(0, I)) to t = 1 (the data x₁).
/// Every tensor has the shape of the time tensor it was computed from.
/// </summary>
/// <param name="Alpha">α_t, the weight of the data x₁.</param>
/// <param name="Sigma">σ_t, the weight of the base sample x₀.</param>
/// <param name="DAlpha">dα_t/dt.</param>
/// <param name="DSigma">dσ_t/dt.</param>
public sealed record SchedulerValues(Tensor Alpha, Tensor Sigma, Tensor DAlpha, Tensor DSigma);

/// <summary>A schedule (α_t, σ_t) of an affine probability path.</summary>
public interface IScheduler
{
    /// <summary>Name used in configurations and on the command line.</summary>
    string Name { get; }

    /// <summary>α_t, σ_t and their derivatives at <paramref name="t"/> (any shape).</summary>
    SchedulerValues At(Tensor t);
}
