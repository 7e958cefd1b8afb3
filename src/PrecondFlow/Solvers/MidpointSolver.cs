using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// Explicit midpoint rule, order 2: x ← x + h·f(x + ½h·f(x, t), t + ½h). Two evaluations per step.
/// </summary>
public sealed class MidpointSolver : FixedStepSolver
{
    /// <param name="steps">number of equal steps, at least 1.</param>
    public MidpointSolver(int steps) : base(steps) { }

    /// <inheritdoc/>
    public override string Name => "midpoint";

    /// <summary>2.</summary>
    public override int Order => 2;

    /// <summary>x + h·f(x + ½h·f(x, t), t + ½h).</summary>
    /// <inheritdoc/>
    protected override Tensor Step(Dynamics f, Tensor x, double t, double h)
    {
        var k1 = f(x, t);
        var k2 = f(x + (0.5 * h) * k1, t + 0.5 * h);
        return x + h * k2;
    }
}
