using static TorchSharp.torch;

namespace PrecondFlow.Paths.Schedulers;

/// <summary>
/// A general affine path given by the user: α_t and σ_t as differentiable tensor functions of t.
/// The derivatives are taken by autograd, so any smooth schedule written with tensor operations works.
/// </summary>
public sealed class CustomAffineScheduler : IScheduler
{
    private readonly Func<Tensor, Tensor> alpha;
    private readonly Func<Tensor, Tensor> sigma;

    public CustomAffineScheduler(string name, Func<Tensor, Tensor> alpha, Func<Tensor, Tensor> sigma)
    {
        Name = name;
        this.alpha = alpha;
        this.sigma = sigma;
    }

    public string Name { get; }

    public SchedulerValues At(Tensor t)
    {
        using var _ = enable_grad();
        var tt = t.detach().requires_grad_(true);
        var a = alpha(tt);
        var s = sigma(tt);
        var da = autograd.grad(new[] { a.sum() }, new[] { tt })[0];
        var ds = autograd.grad(new[] { s.sum() }, new[] { tt })[0];
        return new(a.detach(), s.detach(), da.detach(), ds.detach());
    }
}
