namespace PrecondFlow.Experiments.Studies.Internal;

/// <summary>
/// Where an arm of a transport study (<see cref="StudyData.Source"/>) puts its preconditioner: "X" on both ends,
/// "source:X" on the source only, "target:X" on the target only. Without source points only plain specs are meaningful,
/// and the target side is the arm's P.
/// </summary>
/// <param name="Source">The source map's spec ("none" when absent).</param>
/// <param name="Target">The target map's spec.</param>
internal sealed record ArmSides(string Source, string Target)
{
    public const string SourcePrefix = "source:";
    public const string TargetPrefix = "target:";

    public static ArmSides Parse(string spec) =>
        spec.StartsWith(SourcePrefix, StringComparison.Ordinal) ? new(spec[SourcePrefix.Length..], StudyOptions.Baseline)
        : spec.StartsWith(TargetPrefix, StringComparison.Ordinal) ? new(StudyOptions.Baseline, spec[TargetPrefix.Length..])
        : new(spec, spec);

    /// <summary>Whether <paramref name="spec"/> names a side (only meaningful with source points).</summary>
    public static bool HasSide(string spec) =>
        spec.StartsWith(SourcePrefix, StringComparison.Ordinal) || spec.StartsWith(TargetPrefix, StringComparison.Ordinal);

    /// <summary>The trained side, for costs and progress: the target's map unless only the source has one.</summary>
    public string Representative => Target != StudyOptions.Baseline ? Target : Source;
}
