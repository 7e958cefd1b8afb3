using PrecondFlow.Solvers;

namespace PrecondFlow.Sampling;

/// <summary>How to draw samples from a trained model.</summary>
/// <param name="Method">ODE (probability flow) or SDE (reverse diffusion, score models only).</param>
/// <param name="Solver">ODE solver name: euler, midpoint, heun, rk4 or dopri5.</param>
/// <param name="Steps">Steps of a fixed-step ODE solver, or of Euler–Maruyama.</param>
/// <param name="Adaptive">Tolerances of dopri5.</param>
/// <param name="Guidance">Classifier-free guidance scale w (1 = plain conditional sampling).</param>
/// <param name="KeepTrajectory">Keep the intermediate states (for flow-line plots).</param>
public sealed record SamplingOptions(
    SamplingMethod Method = SamplingMethod.Ode,
    string Solver = "dopri5",
    int Steps = 100,
    AdaptiveOptions? Adaptive = null,
    double Guidance = 1.0,
    bool KeepTrajectory = false)
{
    /// <summary>
    /// Whether each sample's path depends on its own start point alone, so that any slice of a batch gives the same rows
    /// as the whole batch: a fixed-step ODE solver. Not dopri5, whose step sizes are chosen from the error of the whole
    /// batch, nor the reverse SDE, whose noise is drawn for the whole batch at every step. Only such sampling is shared
    /// row-wise between processes.
    /// </summary>
    public bool RowsAreIndependent => Method == SamplingMethod.Ode && Solver != "dopri5" && !KeepTrajectory;

    /// <summary>Checks the settings and builds the ODE solver once to check its name and tolerances.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Steps &lt; 1, a non-finite guidance scale, or invalid tolerances.</exception>
    /// <exception cref="ArgumentException">An unknown solver name.</exception>
    public void Validate()
    {
        if (Steps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"Sampling needs at least one step; got {Steps}.");
        if (!double.IsFinite(Guidance))
            throw new ArgumentOutOfRangeException(nameof(Guidance), Guidance, "The guidance scale must be a finite number.");
        _ = OdeSolvers.Create(Solver, Steps, Adaptive);
        Adaptive?.Validate();
    }
}
