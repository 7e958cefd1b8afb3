namespace PrecondFlow.Solvers;

/// <summary>The distribution of Hutchinson probe vectors ε (both have E[εεᵀ] = I).</summary>
public enum ProbeDistribution
{
    /// <summary>Independent ±1 entries: the lowest-variance choice, exact for a diagonal Jacobian.</summary>
    Rademacher,

    /// <summary>Independent standard normal entries.</summary>
    Gaussian,
}
