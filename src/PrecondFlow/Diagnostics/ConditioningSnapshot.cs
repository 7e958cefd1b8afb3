namespace PrecondFlow.Diagnostics;

/// <summary>κ(t) measured on one training batch at one step.</summary>
/// <param name="Step">The training step.</param>
/// <param name="Times">The times t.</param>
/// <param name="Kappa">κ(Cov x_t) per time, all classes pooled.</param>
/// <param name="WorstClassKappa">The largest per-class κ per time when labels were given, else null.</param>
public sealed record ConditioningSnapshot(long Step, IReadOnlyList<double> Times, IReadOnlyList<double> Kappa,
    IReadOnlyList<double>? WorstClassKappa);
