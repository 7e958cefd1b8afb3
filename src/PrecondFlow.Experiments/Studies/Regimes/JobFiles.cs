using PrecondFlow.IO;

namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>
/// What a <see cref="TwoDStudyJob"/> leaves in the work folder besides the study cache: a study's wall time, or an
/// ablation's numbers, as JSON (doubles round-trip exactly, NaN included).
/// </summary>
internal static class JobFiles
{
    private sealed record StudyWall(double WallSeconds);

    private sealed record AblationFile(string RegimeId, double EntropyNats, double EntropyStandardError, IReadOnlyList<QualityLevel> Levels);

    /// <summary>The study cache of every job's study.</summary>
    public static StudyCache Cache(string workFolder) => new(Path.Combine(workFolder, "cache"));

    public static void WriteStudyWall(string workFolder, string regimeId, double seconds) =>
        Json.WriteFile(StudyPath(workFolder, regimeId), new StudyWall(seconds));

    public static double ReadStudyWall(string workFolder, string regimeId) =>
        Json.ReadFile<StudyWall>(StudyPath(workFolder, regimeId)).WallSeconds;

    public static void WriteAblation(string workFolder, QualityAblation ablation) =>
        Json.WriteFile(AblationPath(workFolder, ablation.RegimeId),
            new AblationFile(ablation.RegimeId, ablation.Entropy.Nats, ablation.Entropy.StandardError, ablation.Levels));

    public static QualityAblation ReadAblation(string workFolder, string regimeId)
    {
        var file = Json.ReadFile<AblationFile>(AblationPath(workFolder, regimeId));
        return new QualityAblation(file.RegimeId, (file.EntropyNats, file.EntropyStandardError), file.Levels);
    }

    private static string StudyPath(string workFolder, string regimeId) => Path.Combine(workFolder, $"study-{regimeId}.json");

    private static string AblationPath(string workFolder, string regimeId) => Path.Combine(workFolder, $"ablation-{regimeId}.json");
}
