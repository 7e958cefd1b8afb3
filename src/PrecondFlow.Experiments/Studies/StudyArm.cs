namespace PrecondFlow.Experiments.Studies;

/// <summary>The curves of one arm over every seed.</summary>
/// <param name="Name">As in study.json, e.g. "whiten" or "none+steps(realnvp)".</param>
/// <param name="Kind">Baseline, preconditioned or a compute-matched baseline.</param>
/// <param name="Preconditioner">The preconditioner spec it trains ("none" for baselines).</param>
/// <param name="Description">What it is, in a sentence.</param>
/// <param name="LearningRate">The rate it ran at (its own best on the grid).</param>
/// <param name="Steps">Its evaluation points (main-flow steps).</param>
/// <param name="Metrics">Per metric key, [seed][evaluation point] values.</param>
/// <param name="PreconditionerSeconds">Per seed, seconds spent fitting P and transforming the training data.</param>
/// <param name="TrainSeconds">Per seed, seconds of main-flow training (evaluation excluded).</param>
/// <param name="PreconditionerParameters">P's parameter count (<see cref="Preconditioning.IPreconditioner.ParameterCount"/>).</param>
/// <param name="MainFlowParameters">The main flow's parameter count.</param>
/// <param name="MainFlowHidden">The main flow's hidden widths.</param>
/// <param name="ComputeMatchedTo">For compute-matched baselines, the arm whose cost they match; else null.</param>
public sealed record StudyArm(
    string Name,
    ArmKind Kind,
    string Preconditioner,
    string Description,
    double LearningRate,
    IReadOnlyList<int> Steps,
    IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<double>>> Metrics,
    IReadOnlyList<double> PreconditionerSeconds,
    IReadOnlyList<double> TrainSeconds,
    long PreconditionerParameters,
    long MainFlowParameters,
    IReadOnlyList<int> MainFlowHidden,
    string? ComputeMatchedTo = null)
{
    /// <summary>The first seed's samples at the last evaluation point, one (dim) row per sample in data units, when
    /// <see cref="StudyOptions.KeepFinalSamples"/> is set; otherwise null.</summary>
    public IReadOnlyList<double[]>? FinalSamples { get; init; }
}
