using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>Explicit Euler, order 1: x ← x + h·f(x, t). One evaluation per step.</summary>
public sealed class EulerSolver : FixedStepSolver
{
    /// <param name="steps">number of equal steps, at least 1.</param>
    public EulerSolver(int steps) : base(steps) { }

    /// <inheritdoc/>
    public override string Name => "euler";

    /// <summary>1.</summary>
    public override int Order => 1;

    /// <summary>x + h·f(x, t).</summary>
    /// <inheritdoc/>
    protected override Tensor Step(Dynamics f, Tensor x, double t, double h) => x + h * f(x, t);
}
