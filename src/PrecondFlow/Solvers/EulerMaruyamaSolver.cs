using PrecondFlow.Solvers.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// The Euler–Maruyama scheme for dx = b(x, t) dt + g(t) dW with a scalar, state-independent
/// diffusion g: x ← x + b(x, t)·h + g(t)·√|h|·ξ, ξ ~ N(0, I), with equal steps h = (t1 − t0)/steps.
/// Strong order ½, weak order 1.
/// </summary>
/// <remarks>
/// Runs backwards too (t1 &lt; t0): the drift term uses the signed step and the noise √|h|, which is
/// how a reverse-time SDE is simulated once its drift b already holds the score correction, e.g.
/// b = f − g²·s_θ for score-based sampling (SPEC §2). g is evaluated at the start of each step (Itô);
/// no noise-free final step is added.
/// </remarks>
public sealed class EulerMaruyamaSolver
{
    /// <param name="steps">number of equal steps, at least 1.</param>
    public EulerMaruyamaSolver(int steps)
    {
        if (steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), steps,
                $"Euler–Maruyama needs at least 1 step; got {steps}. Pass the number of steps from t0 to t1 (e.g. 500).");
        Steps = steps;
    }

    /// <summary>Name of the scheme: "euler-maruyama".</summary>
    public string Name => "euler-maruyama";

    /// <summary>Number of equal steps from t0 to t1.</summary>
    public int Steps { get; }

    /// <summary>Simulates the SDE from <paramref name="t0"/> to <paramref name="t1"/>.</summary>
    /// <param name="drift">b(x, t), returning a tensor of the shape of x.</param>
    /// <param name="diffusion">g(t) ≥ 0, finite.</param>
    /// <param name="x0">(batch, dim) start state.</param>
    /// <param name="t0">start time.</param>
    /// <param name="t1">end time.</param>
    /// <param name="generator">source of the Brownian increments: the same seed gives the same paths.</param>
    /// <param name="keepTrajectory">also return the state at every step time.</param>
    /// <returns>the state at t1; FunctionEvaluations counts drift evaluations, RejectedSteps is 0.</returns>
    public OdeSolution Integrate(Dynamics drift, Func<double, double> diffusion, Tensor x0, double t0, double t1,
        Generator generator, bool keepTrajectory = false)
    {
        OdeArguments.Check(Name, drift, x0, t0, t1);
        ArgumentNullException.ThrowIfNull(diffusion);
        ArgumentNullException.ThrowIfNull(generator);
        var dynamics = new CountingDynamics(drift, Name);
        using var solution = new SolutionBuilder(x0, t0, keepTrajectory);
        if (t0 == t1)
            return solution.Build(evaluations: 0, rejected: 0);

        for (var i = 0; i < Steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            var t = t0 + (t1 - t0) * i / Steps;
            var tNext = i + 1 == Steps ? t1 : t0 + (t1 - t0) * (i + 1) / Steps;
            var h = tNext - t;
            var g = diffusion(t);
            if (!double.IsFinite(g) || g < 0)
                throw new ArgumentException(
                    $"{Name}: the diffusion coefficient g(t) at t = {Numbers.Time(t)} is {g}; it must be finite and ≥ 0.",
                    nameof(diffusion));
            var x = solution.Current;
            var noise = torch.randn(x.shape, dtype: x.dtype, device: x.device, generator: generator);
            var next = x + h * dynamics.Invoke(x, t) + (g * Math.Sqrt(Math.Abs(h))) * noise;
            if (!OdeArguments.AllFinite(next))
                throw new OdeIntegrationException(
                    $"{Name} with {Steps} steps: the state became NaN or infinite at t = {Numbers.Time(tNext)} " +
                    $"(step {i + 1} of {Steps}). The drift blows up there or the step is too large: try more steps.", tNext);
            solution.Advance(next.MoveToOuterDisposeScope(), tNext);
        }
        return solution.Build(dynamics.Evaluations, rejected: 0);
    }
}
