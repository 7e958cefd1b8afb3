using System.Globalization;
using System.Text.RegularExpressions;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Training;

namespace PrecondFlow.Reporting.TensorBoard;

/// <summary>
/// A convergence study in TensorBoard: one run folder per arm and seed, <c>DIR/ARM/seed-S</c> (under <c>DIR/REGIME/</c> for
/// each regime of a multi-regime study), holding the main flow's <c>main-flow/loss</c>, <c>main-flow/learning_rate</c> and
/// <c>main-flow/gradient_norm</c> per logging window (as <c>train --tensorboard</c>), every study metric at each
/// evaluation step as <c>eval/METRIC</c>, and a scatter image <c>samples</c> of the last evaluation's samples. Seeds taken
/// from the study's cache log their evaluations and samples only.
/// </summary>
public sealed partial class TensorBoardStudyLog(string folder) : IStudyObserver
{
    /// <summary>The tag of the final samples' scatter image.</summary>
    public const string SamplesTag = "samples";

    /// <summary>The tag prefix of the evaluation metrics.</summary>
    public const string EvaluationPrefix = "eval/";

    /// <summary>The folder of one run: <c>FOLDER/ARM/seed-S</c>, with characters that are unsafe in a path replaced.</summary>
    public string RunFolder(string arm, long seed) =>
        Path.Combine(folder, Safe(arm), string.Create(CultureInfo.InvariantCulture, $"seed-{seed}"));

    /// <inheritdoc/>
    public IStudyRunObserver? RunStarted(string arm, long seed) => new Run(new TensorBoardLog(RunFolder(arm, seed)), arm, seed);

    /// <inheritdoc/>
    public IStudyObserver ForRegime(string regime) => new TensorBoardStudyLog(Path.Combine(folder, Safe(regime)));

    private static string Safe(string name) => UnsafeCharacters().Replace(name, "_");

    [GeneratedRegex(@"[/\\:*?""<>|\s]+")]
    private static partial Regex UnsafeCharacters();

    private sealed class Run(TensorBoardLog log, string arm, long seed) : IStudyRunObserver
    {
        public IProgress<TrainingProgress> Training => log;

        public void Evaluated(int step, IReadOnlyDictionary<string, double> metrics)
        {
            foreach (var (metric, value) in metrics)
                log.Scalar(EvaluationPrefix + metric, value, step);
        }

        public void FinalSamples(int step, IReadOnlyList<double[]> samples) =>
            log.Scatter(SamplesTag, samples, step, string.Create(CultureInfo.InvariantCulture, $"{arm}, seed {seed}, step {step}"));

        public void Dispose()
        {
        }
    }
}
