using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// Heun's method (explicit trapezoidal rule), order 2: k₁ = f(x, t), k₂ = f(x + h·k₁, t + h),
/// x ← x + ½h·(k₁ + k₂). Two evaluations per step.
/// </summary>
public sealed class HeunSolver : FixedStepSolver
{
    /// <param name="steps">number of equal steps, at least 1.</param>
    public HeunSolver(int steps) : base(steps) { }

    /// <inheritdoc/>
    public override string Name => "heun";

    /// <summary>2.</summary>
    public override int Order => 2;

    /// <summary>x + ½h·(k₁ + k₂), k₁ = f(x, t), k₂ = f(x + h·k₁, t + h).</summary>
    /// <inheritdoc/>
    protected override Tensor Step(Dynamics f, Tensor x, double t, double h)
    {
        var k1 = f(x, t);
        var k2 = f(x + h * k1, t + h);
        return x + (0.5 * h) * (k1 + k2);
    }
}
