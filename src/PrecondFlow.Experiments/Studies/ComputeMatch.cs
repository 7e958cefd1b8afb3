namespace PrecondFlow.Experiments.Studies;

/// <summary>How a compute-matched baseline was sized (a deterministic count, so that two runs give the same table).</summary>
/// <param name="Arm">The preconditioned arm it matches.</param>
/// <param name="PreconditionerTrainingSteps">Gradient steps of P's training (summed over a chain's members).</param>
/// <param name="PreconditionerFlops">Σ over P's trained members of steps × batch × parameters (FLOP-equivalents).</param>
/// <param name="ExtraSteps">⌈PreconditionerFlops / (main batch × main-flow parameters)⌉: extra main-flow steps.</param>
/// <param name="WiderHidden">Hidden widths of the wider baseline.</param>
/// <param name="WiderParameters">Its parameter count (≥ P's plus the main flow's).</param>
/// <param name="TargetParameters">P's parameters plus the main flow's.</param>
public sealed record ComputeMatch(string Arm, long PreconditionerTrainingSteps, double PreconditionerFlops, int ExtraSteps,
    IReadOnlyList<int> WiderHidden, long WiderParameters, long TargetParameters);
