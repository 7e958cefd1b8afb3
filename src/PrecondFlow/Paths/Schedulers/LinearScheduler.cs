using static TorchSharp.torch;

namespace PrecondFlow.Paths.Schedulers;

/// <summary>The linear (rectified, optimal-transport) path: α_t = t, σ_t = 1 − t.</summary>
public sealed class LinearScheduler : IScheduler
{
    /// <inheritdoc/>
    public string Name => "linear";

    /// <summary>α = t, σ = 1 − t, α̇ = 1, σ̇ = −1, each a new tensor of t's shape.</summary>
    /// <param name="t">Times, any shape.</param>
    public SchedulerValues At(Tensor t) =>
        new(t.clone(), 1 - t, ones_like(t), -ones_like(t));
}
