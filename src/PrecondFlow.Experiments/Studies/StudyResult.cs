namespace PrecondFlow.Experiments.Studies;

/// <summary>One point of the learning-rate grid of one arm.</summary>
/// <param name="Arm">The arm's name.</param>
/// <param name="LearningRate">The rate tried.</param>
/// <param name="ValidationLoss">Flow-matching loss on the validation split, in the arm's own space (P(x)), with a fixed
/// seeded set of (t, x₀) draws; NaN when training diverged.</param>
public sealed record LearningRateTrial(string Arm, double LearningRate, double ValidationLoss);

/// <summary>What kind of arm a study ran.</summary>
public enum ArmKind
{
    /// <summary>No preconditioner: the baseline.</summary>
    Baseline,

    /// <summary>A preconditioner P before the main flow.</summary>
    Preconditioned,

    /// <summary>No preconditioner, trained for extra steps equal to a preconditioner's cost.</summary>
    MoreSteps,

    /// <summary>No preconditioner, a wider main flow with as many parameters as a preconditioner plus the main flow.</summary>
    Wider,
}

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

/// <summary>The result of a convergence study: plain numbers, turned into files by the reporting assembly.</summary>
/// <param name="Options">The settings it ran with.</param>
/// <param name="DataDescription">What the data were (name and options, or a file name).</param>
/// <param name="Counts">Points in the train, validation and test splits.</param>
/// <param name="Metrics">The metrics recorded, in report order.</param>
/// <param name="MmdBandwidths">The fixed MMD bandwidths (data units), chosen once from the first seed's test split.</param>
/// <param name="Trials">The learning-rate grid, every arm and rate.</param>
/// <param name="Arms">Every arm's curves; the baseline first.</param>
/// <param name="ComputeMatches">How the compute-matched baselines were sized.</param>
/// <param name="WallSeconds">Wall time of the whole study.</param>
public sealed record StudyResult(
    StudyOptions Options,
    string DataDescription,
    (long Train, long Validation, long Test) Counts,
    IReadOnlyList<StudyMetric> Metrics,
    IReadOnlyList<double> MmdBandwidths,
    IReadOnlyList<LearningRateTrial> Trials,
    IReadOnlyList<StudyArm> Arms,
    IReadOnlyList<ComputeMatch> ComputeMatches,
    double WallSeconds)
{
    /// <summary>The baseline arm ("none").</summary>
    public StudyArm Baseline => Arms.First(a => a.Kind == ArmKind.Baseline);
}
