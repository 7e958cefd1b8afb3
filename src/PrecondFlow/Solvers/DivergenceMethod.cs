namespace PrecondFlow.Solvers;

/// <summary>How <see cref="LogDensityIntegrator"/> computes the divergence of the velocity.</summary>
public enum DivergenceMethod
{
    /// <summary>Exact up to <see cref="LogDensityOptions.ExactUpToDimension"/> dimensions, Hutchinson above.</summary>
    Auto,

    /// <summary>Exact trace of the Jacobian: one backward pass per dimension and evaluation.</summary>
    Exact,

    /// <summary>Hutchinson's estimator with K fixed probes: K backward passes per evaluation, any dimension.</summary>
    Hutchinson,
}
