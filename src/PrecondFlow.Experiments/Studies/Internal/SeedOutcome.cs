namespace PrecondFlow.Experiments.Studies.Internal;

/// <summary>What one seed of an arm produced: the unit a <see cref="StudyCache"/> keeps.</summary>
/// <param name="Metrics">Per metric key, the value at each evaluation point.</param>
/// <param name="PreconditionerSeconds">Seconds spent fitting P and transforming the training data.</param>
/// <param name="TrainSeconds">Seconds of main-flow training.</param>
/// <param name="PreconditionerParameters">P's parameter count.</param>
/// <param name="MainFlowParameters">The main flow's parameter count.</param>
/// <param name="FinalSamples">The samples of the last evaluation (one row each) when they were kept; else null.</param>
internal sealed record SeedOutcome(
    IReadOnlyDictionary<string, double[]> Metrics,
    double PreconditionerSeconds,
    double TrainSeconds,
    long PreconditionerParameters,
    long MainFlowParameters,
    IReadOnlyList<double[]>? FinalSamples = null);
