using static TorchSharp.torch;

namespace PrecondFlow.Paths.Schedulers;

/// <summary>The trigonometric path: α_t = sin(πt/2), σ_t = cos(πt/2) (variance preserving).</summary>
public sealed class SineCosineScheduler : IScheduler
{
    /// <inheritdoc/>
    public string Name => "sine-cosine";

    /// <summary>α = sin(πt/2), σ = cos(πt/2), α̇ = (π/2)·cos(πt/2), σ̇ = −(π/2)·sin(πt/2), each of t's shape.</summary>
    /// <param name="t">Times, any shape.</param>
    public SchedulerValues At(Tensor t)
    {
        var angle = t * (Math.PI / 2);
        var sin = angle.sin();
        var cos = angle.cos();
        return new(sin, cos, cos * (Math.PI / 2), -sin * (Math.PI / 2));
    }
}
