using PrecondFlow.Devices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// AdamW over stacked parameters (K, …), member k at index k of dim 0, with a learning rate and a weight decay per
/// member and a mask of the members that step. Per member it is TorchSharp's <c>AdamW.step</c>, operation for
/// operation: p ← p·(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − (lr/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε).
/// A masked-out member keeps its parameters and both moments unchanged.
/// </summary>
public sealed class StackedAdamW : IDisposable
{
    /// <summary>(β₁, β₂) of the library's AdamW: those that <c>torch.optim.AdamW(parameters, lr, weight_decay)</c>, as
    /// <see cref="TrainingLoop"/> calls it, gets from TorchSharp (read from TorchSharp itself, so that the two stay equal
    /// whatever a TorchSharp version's defaults are: 0.9 and 0.999 in 0.107).</summary>
    public static (double Beta1, double Beta2) Betas { get; } = LibraryBetas();

    /// <summary>ε of every AdamW in the library (TorchSharp's default), added after the bias-corrected √v.</summary>
    public const double Epsilon = 1e-8;

    private static readonly double Beta1 = Betas.Beta1;
    private static readonly double Beta2 = Betas.Beta2;

    private readonly Parameter[] parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;

    /// <param name="parameters">The stacked parameters, each (K, …) with the same K.</param>
    /// <exception cref="ArgumentException">No parameters, or parameters of different K.</exception>
    public StackedAdamW(IReadOnlyList<Parameter> parameters)
    {
        if (parameters.Count == 0)
            throw new ArgumentException("Give at least one stacked parameter.", nameof(parameters));
        long members = parameters[0].shape[0];
        if (parameters.Any(p => p.dim() < 2 || p.shape[0] != members))
            throw new ArgumentException($"Every stacked parameter has the members along dim 0 ({members} of them) and at least one more dim.",
                nameof(parameters));
        this.parameters = parameters.ToArray();
        firstMoments = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        secondMoments = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        Members = (int)members;
    }

    /// <summary>K.</summary>
    public int Members { get; }

    /// <summary>Steps taken so far (by the members that were stepping).</summary>
    public long Steps { get; private set; }

    /// <summary>m of parameter <paramref name="index"/>, (K, …).</summary>
    public Tensor FirstMoment(int index) => firstMoments[index];

    /// <summary>v of parameter <paramref name="index"/>, (K, …).</summary>
    public Tensor SecondMoment(int index) => secondMoments[index];

    /// <summary>One AdamW step of the members in <paramref name="stepping"/>, from the parameters' gradients.</summary>
    /// <param name="rates">Each member's learning rate for this step.</param>
    /// <param name="weightDecay">Each member's decoupled weight decay λ.</param>
    /// <param name="stepping">(K) bool on the parameters' device: the members that step; the others are left as they are.
    /// Their step count is the ensemble's (a member that stops never starts again, so the bias corrections of the
    /// stepping members all use <see cref="Steps"/> + 1).</param>
    public void Step(IReadOnlyList<double> rates, IReadOnlyList<double> weightDecay, Tensor stepping)
    {
        if (rates.Count != Members || weightDecay.Count != Members)
            throw new ArgumentException($"Give one learning rate and one weight decay per member ({Members}); got {rates.Count} and {weightDecay.Count}.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var scalars = new ScalarOperands();   // the bias correction changes every step
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double correction2 = 1 - Math.Pow(Beta2, Steps);
        var device = parameters[0].device;
        var dtype = parameters[0].dtype;
        // The per-member factors are computed in float64 on the host, as TorchSharp computes its scalars, then rounded
        // to the parameters' dtype, as libtorch rounds a double scalar operand.
        var decay = PerMember(rates.Zip(weightDecay, (lr, wd) => 1 - lr * wd), dtype, device);
        var stepSize = PerMember(rates.Select(lr => -lr / correction1), dtype, device);
        var correction2Root = scalars.Of(Math.Sqrt(correction2));
        var mask = stepping.reshape(Members, 1);
        for (int i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            var g = p.grad;
            if (g is null)
                continue;
            var shape = new long[p.dim()];
            Array.Fill(shape, 1L);
            shape[0] = Members;
            var keep = mask.reshape(shape);
            var m = firstMoments[i].mul(Beta1).add_(g, alpha: 1 - Beta1);
            var v = secondMoments[i].mul(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denominator = (v.sqrt() / correction2Root).add_(Epsilon);
            var updated = p.mul(decay.reshape(shape)).add_(stepSize.reshape(shape) * m / denominator);
            p.copy_(where(keep, updated, p));
            firstMoments[i].copy_(where(keep, m, firstMoments[i]));
            secondMoments[i].copy_(where(keep, v, secondMoments[i]));
        }
    }

    private static (double, double) LibraryBetas()
    {
        using var probe = optim.AdamW(Array.Empty<Parameter>(), lr: 1e-3, weight_decay: 0.0);
        return probe.Betas;
    }

    private Tensor PerMember(IEnumerable<double> values, ScalarType dtype, Device device) =>
        tensor(values.ToArray(), dtype: ScalarType.Float64).to(dtype, device);

    /// <summary>Releases the moments.</summary>
    public void Dispose()
    {
        foreach (var t in firstMoments.Concat(secondMoments))
            t.Dispose();
    }
}
