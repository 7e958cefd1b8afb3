using PrecondFlow.Couplings;

namespace PrecondFlow.Experiments.Couplings;

/// <summary>One arm of the couplings experiment: a minibatch coupling, a preconditioner on both ends, and where the
/// coupling's cost is measured.</summary>
/// <param name="Coupling">"independent", "ot" or "sinkhorn".</param>
/// <param name="Preconditioner">"none", or "whiten": each data set whitened by its own affine map (S for the source, T
/// for the target), the main flow trained from S(x₀) to T(x₁).</param>
/// <param name="Space">Where the coupling's squared cost is measured: between S(x₀) and T(x₁) (the flow's space), or
/// between x₀ and x₁ (data space). The same thing without a preconditioner.</param>
public sealed record CouplingArm(string Coupling, string Preconditioner, CouplingSpace Space = CouplingSpace.Flow)
{
    /// <summary>The arm's key in results.json and file names: "ot·whiten", "ot·whiten·data".</summary>
    public string Key => Space == CouplingSpace.Data ? $"{Coupling}·{Preconditioner}·data" : $"{Coupling}·{Preconditioner}";

    /// <summary>Every arm, baseline (independent, no preconditioner) first: coupling × {none, whiten}, and exact OT in
    /// data space with whitening.</summary>
    public static IReadOnlyList<CouplingArm> All { get; } =
    [
        new("independent", "none"), new("ot", "none"), new("sinkhorn", "none"),
        new("independent", "whiten"), new("ot", "whiten"), new("sinkhorn", "whiten"),
        new("ot", "whiten", CouplingSpace.Data),
    ];
}
