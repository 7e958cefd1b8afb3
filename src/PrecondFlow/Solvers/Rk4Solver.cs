using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>The classical Runge–Kutta method, order 4. Four evaluations per step.</summary>
public sealed class Rk4Solver : FixedStepSolver
{
    /// <param name="steps">number of equal steps, at least 1.</param>
    public Rk4Solver(int steps) : base(steps) { }

    /// <inheritdoc/>
    public override string Name => "rk4";

    /// <summary>4.</summary>
    public override int Order => 4;

    /// <summary>x + (h/6)·(k₁ + 2k₂ + 2k₃ + k₄), the classical four stages.</summary>
    /// <inheritdoc/>
    protected override Tensor Step(Dynamics f, Tensor x, double t, double h)
    {
        var half = 0.5 * h;
        var k1 = f(x, t);
        var k2 = f(x + half * k1, t + half);
        var k3 = f(x + half * k2, t + half);
        var k4 = f(x + h * k3, t + h);
        return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
    }
}
