using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// Integrates dx/dt = f(x, t) from t0 to t1, forwards (t1 &gt; t0) or backwards (t1 &lt; t0): sampling a
/// flow runs from 0 to 1, inverting it from 1 to 0 (SPEC §2).
/// </summary>
/// <remarks>
/// Solvers never switch gradient recording on or off: run them under <c>torch.no_grad()</c> for
/// sampling, or with gradients enabled to differentiate through the discretised flow map.
/// Every step runs in its own dispose scope; only the tensors of the returned <see cref="OdeSolution"/>
/// outlive the call, in the caller's dispose scope.
/// </remarks>
public interface IOdeSolver
{
    /// <summary>Name used in configurations and on the command line ("rk4", "dopri5", ...).</summary>
    string Name { get; }

    /// <summary>Integrates <paramref name="f"/> from <paramref name="t0"/> to <paramref name="t1"/>.</summary>
    /// <param name="f">right-hand side; must return a tensor of the shape of its input.</param>
    /// <param name="x0">(batch, dim) floating-point start state at t0, all finite.</param>
    /// <param name="t0">start time.</param>
    /// <param name="t1">end time; equal to t0 returns a copy of x0 without evaluating f.</param>
    /// <param name="keepTrajectory">also return the state at every step time.</param>
    /// <returns>the state at t1 and the bookkeeping of the integration.</returns>
    /// <exception cref="OdeIntegrationException">the state became non-finite, or an adaptive solver
    /// could not reach t1 (see <see cref="StepSizeUnderflowException"/>).</exception>
    OdeSolution Integrate(Dynamics f, Tensor x0, double t0, double t1, bool keepTrajectory = false);
}
