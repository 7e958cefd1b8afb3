namespace PrecondFlow.Couplings;

/// <summary>Where a coupling measures its squared Euclidean cost.</summary>
public enum CouplingSpace
{
    /// <summary>In the space the main flow lives in: after the preconditioner P (the default; the point of the method,
    /// since P removes the anisotropy that would otherwise dominate the cost).</summary>
    Flow,

    /// <summary>In data space: x₁ before P (x₀ as drawn), for comparison.</summary>
    Data,
}
