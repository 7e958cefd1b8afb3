using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// Global-norm gradient clipping that stays on the device: the scale min(1, max/‖g‖) is applied as a tensor,
/// so no value is read back to the host (TorchSharp's clip_grad_norm_ returns the norm as a double, which
/// synchronises every step).
/// </summary>
public static class GradientClipping
{
    /// <summary>‖g‖, the norm of all gradients together, as a 0-d tensor on their device (no host read); null when no
    /// parameter has a gradient.</summary>
    /// <param name="parameters">The parameters whose gradients are measured.</param>
    public static Tensor? GlobalNorm(IReadOnlyList<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var grads = Gradients(parameters);
        return grads.Count == 0 ? null : Norm(grads).MoveToOuterDisposeScope();
    }

    /// <summary>Scales every gradient by min(1, maxNorm/(‖g‖ + 1e-6)), ‖g‖ the norm of all gradients together; parameters
    /// without a gradient are skipped.</summary>
    /// <param name="parameters">The parameters whose gradients are clipped in place.</param>
    /// <param name="maxNorm">Largest global norm kept, &gt; 0.</param>
    public static void ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, double maxNorm) =>
        ClipAndMeasure(parameters, maxNorm)?.Dispose();

    /// <summary><see cref="ClipByGlobalNorm"/>, handing back the norm it measured before clipping (0-d, on the device;
    /// null when no parameter has a gradient), so that a caller logging it need not measure it again.</summary>
    internal static Tensor? ClipAndMeasure(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var grads = Gradients(parameters);
        if (grads.Count == 0)
            return null;
        var total = Norm(grads);
        var scale = (maxNorm / (total + 1e-6)).clamp(max: 1.0);
        foreach (var g in grads)
            g.mul_(scale);
        return total.MoveToOuterDisposeScope();
    }

    private static List<Tensor> Gradients(IReadOnlyList<Parameter> parameters) => parameters.Select(p => p.grad).OfType<Tensor>().ToList();

    /// <summary>‖g‖ of all gradients together (0-d, in their dtype, on their device).</summary>
    private static Tensor Norm(List<Tensor> grads) => stack(grads.Select(g => g.square().sum()).ToArray()).sum().sqrt();
}
