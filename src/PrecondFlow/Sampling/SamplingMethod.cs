namespace PrecondFlow.Sampling;

/// <summary>How samples are drawn from a model.</summary>
public enum SamplingMethod
{
    /// <summary>Integrate the probability-flow ODE dx/dt = v(x, t) with an ODE solver.</summary>
    Ode,
    /// <summary>Integrate the reverse SDE with Euler–Maruyama (score models only).</summary>
    Sde,
}
