using PrecondFlow.Training;

namespace PrecondFlow.Preconditioning;

/// <summary>What fitting a preconditioner did and how it ended.</summary>
/// <param name="Name">The preconditioner's kind, e.g. "whiten".</param>
/// <param name="Seconds">Wall-clock seconds the fit took.</param>
/// <param name="FinalLoss">Last loss read back, or null for closed-form fits.</param>
/// <param name="LossTrace">Losses read back during training (every few steps), empty for closed-form fits.</param>
/// <param name="Invertibility">Round-trip check run after fitting, or null where none was run.</param>
/// <param name="Notes">Decisions taken while fitting that a user should know about (e.g. a class that fell back to the
/// pooled covariance).</param>
/// <param name="Members">Reports of the members of a chain, in order; empty otherwise.</param>
public sealed record PreconditionerFitReport(
    string Name,
    double Seconds,
    double? FinalLoss,
    IReadOnlyList<LossPoint> LossTrace,
    InvertibilityReport? Invertibility,
    IReadOnlyList<string> Notes,
    IReadOnlyList<PreconditionerFitReport> Members)
{
    /// <summary>False when this map, or any member of a chain, failed its invertibility check.</summary>
    public bool Passed => (Invertibility?.Passed ?? true) && Members.All(m => m.Passed);

    /// <summary>The report of a closed-form fit (no loss, no check).</summary>
    public static PreconditionerFitReport ClosedForm(string name, double seconds, IReadOnlyList<string>? notes = null) =>
        new(name, seconds, null, [], null, notes ?? [], []);
}
