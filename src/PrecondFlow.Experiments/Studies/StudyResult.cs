namespace PrecondFlow.Experiments.Studies;

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
/// <param name="TransportsSource">Whether the main flow started from source points (<see cref="StudyData.Source"/>) rather
/// than from N(0, I): the samples are then held-out source points carried through S, the flow and T⁻¹.</param>
public sealed record StudyResult(
    StudyOptions Options,
    string DataDescription,
    (long Train, long Validation, long Test) Counts,
    IReadOnlyList<StudyMetric> Metrics,
    IReadOnlyList<double> MmdBandwidths,
    IReadOnlyList<LearningRateTrial> Trials,
    IReadOnlyList<StudyArm> Arms,
    IReadOnlyList<ComputeMatch> ComputeMatches,
    double WallSeconds,
    bool TransportsSource = false)
{
    /// <summary>The baseline arm ("none").</summary>
    public StudyArm Baseline => Arms.First(a => a.Kind == ArmKind.Baseline);
}
