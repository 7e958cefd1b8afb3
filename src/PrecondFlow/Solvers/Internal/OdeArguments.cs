using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Solvers.Internal;

/// <summary>Checks shared by every solver's Integrate.</summary>
internal static class OdeArguments
{
    public static void Check(string solverName, Delegate f, Tensor x0, double t0, double t1)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x0);
        if (!double.IsFinite(t0))
            throw new ArgumentOutOfRangeException(nameof(t0), t0, $"{solverName}: the start time must be finite.");
        if (!double.IsFinite(t1))
            throw new ArgumentOutOfRangeException(nameof(t1), t1, $"{solverName}: the end time must be finite.");
        if (!x0.is_floating_point())
            throw new ArgumentException(
                $"{solverName}: the start state has dtype {x0.dtype}; it must be floating point (float32 or float64).", nameof(x0));
        if (x0.dim() < 1 || x0.numel() == 0)
            throw new ArgumentException(
                $"{solverName}: the start state has shape {Numbers.Shape(x0.shape)}; it must be a non-empty (batch, dim) tensor.", nameof(x0));
        if (!AllFinite(x0))
            throw new ArgumentException(
                $"{solverName}: the start state at t = {Numbers.Time(t0)} contains NaN or infinite values.", nameof(x0));
    }

    /// <summary>Whether every element of <paramref name="x"/> is finite (one host read).</summary>
    public static bool AllFinite(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return x.isfinite().all().item<bool>();
    }
}
