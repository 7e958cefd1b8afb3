using PrecondFlow.Solvers.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// A one-step method with a fixed number of equal steps from t0 to t1. Subclasses give one step;
/// this class runs the loop, checks that the state stays finite after every step (one host read
/// per step) and records times and trajectory.
/// </summary>
public abstract class FixedStepSolver : IOdeSolver
{
    /// <param name="steps">number of equal steps, at least 1.</param>
    protected FixedStepSolver(int steps)
    {
        if (steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), steps,
                $"A fixed-step solver needs at least 1 step; got {steps}. Pass the number of steps from t0 to t1 (e.g. 100).");
        Steps = steps;
    }

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <summary>Number of equal steps from t0 to t1.</summary>
    public int Steps { get; }

    /// <summary>Order p of the method: the global error shrinks like h^p.</summary>
    public abstract int Order { get; }

    /// <summary>Takes <see cref="Steps"/> equal steps from <paramref name="t0"/> to <paramref name="t1"/>; the step times are
    /// computed from the step index, so the last one is exactly t1.</summary>
    /// <inheritdoc/>
    public OdeSolution Integrate(Dynamics f, Tensor x0, double t0, double t1, bool keepTrajectory = false)
    {
        OdeArguments.Check(Name, f, x0, t0, t1);
        var dynamics = new CountingDynamics(f, Name);
        using var solution = new SolutionBuilder(x0, t0, keepTrajectory);
        if (t0 == t1)
            return solution.Build(evaluations: 0, rejected: 0);

        for (var i = 0; i < Steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            // Times from the step index, not by accumulation, so that the last one is exactly t1.
            var t = StepTime(t0, t1, i);
            var tNext = i + 1 == Steps ? t1 : StepTime(t0, t1, i + 1);
            var next = Step(dynamics.Invoke, solution.Current, t, tNext - t);
            if (!OdeArguments.AllFinite(next))
                throw new OdeIntegrationException(
                    $"{Name} with {Steps} steps: the state became NaN or infinite at t = {Numbers.Time(tNext)} " +
                    $"(step {i + 1} of {Steps}, from t = {Numbers.Time(t)}). The dynamics blow up there or the step is too " +
                    "large for them: try more steps or an adaptive solver (dopri5).", tNext);
            solution.Advance(next.MoveToOuterDisposeScope(), tNext);
            NativeScalars.CollectEvery(i + 1);
        }
        return solution.Build(dynamics.Evaluations, rejected: 0);
    }

    /// <summary>One step of the method from (x, t) with signed step h.</summary>
    /// <param name="f">right-hand side.</param>
    /// <param name="x">(batch, dim) state at t.</param>
    /// <param name="t">time of x.</param>
    /// <param name="h">signed step: negative when integrating backwards.</param>
    /// <returns>(batch, dim) state at t + h.</returns>
    protected abstract Tensor Step(Dynamics f, Tensor x, double t, double h);

    private double StepTime(double t0, double t1, int i) => t0 + (t1 - t0) * i / Steps;
}
