using static TorchSharp.torch;

namespace PrecondFlow.Paths.Schedulers;

/// <summary>The linear (rectified, optimal-transport) path: α_t = t, σ_t = 1 − t.</summary>
public sealed class LinearScheduler : IScheduler
{
    public string Name => "linear";

    public SchedulerValues At(Tensor t) =>
        new(t.clone(), 1 - t, ones_like(t), -ones_like(t));
}
