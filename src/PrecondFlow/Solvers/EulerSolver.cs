using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>Explicit Euler, order 1: x ← x + h·f(x, t). One evaluation per step.</summary>
public sealed class EulerSolver : FixedStepSolver
{
    /// <param name="steps">number of equal steps, at least 1.</param>
    public EulerSolver(int steps) : base(steps) { }

    public override string Name => "euler";

    public override int Order => 1;

    protected override Tensor Step(Dynamics f, Tensor x, double t, double h) => x + h * f(x, t);
}
