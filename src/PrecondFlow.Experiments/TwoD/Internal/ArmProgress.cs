using System.Globalization;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>
/// One progress stage per arm: its units are optimizer steps (preconditioner fits, then the main flow) summed over
/// the seeds, so the ETA reflects all of the arm's training. Statuses are short ("seed 2/3 fit P 1.23",
/// "seed 2/3 main 0.874": the loss read back last) so that a bar fits an 80-column terminal.
/// </summary>
internal sealed class ArmProgress
{
    private readonly IProgress<(double Done, string Status)> stage;
    private readonly int seeds;
    private readonly int fitSteps;
    private readonly int perSeed;

    /// <param name="fitSteps">Steps of the preconditioner fits of one seed (0 for closed-form maps).</param>
    /// <param name="mainSteps">Steps of the main flow of one seed.</param>
    public ArmProgress(IExperimentProgress progress, string name, int seeds, int fitSteps, int mainSteps)
    {
        this.seeds = seeds;
        this.fitSteps = fitSteps;
        perSeed = fitSteps + mainSteps;
        stage = progress.AddStage(name, (double)seeds * perSeed);
    }

    /// <summary>The seed being run, 0-based.</summary>
    public int SeedIndex { get; set; }

    private string Prefix => $"seed {SeedIndex + 1}/{seeds}";

    private double Start => (double)SeedIndex * perSeed;

    /// <summary>Progress of a preconditioner fit that starts <paramref name="offset"/> steps into the seed's fits.</summary>
    public IProgress<PreconditionerProgress> Fitting(int offset = 0) => new Relay<PreconditionerProgress>(p =>
        stage.Report((Start + offset + p.Step, string.Create(CultureInfo.InvariantCulture, $"{Prefix} fit P {p.Loss:G3}"))));

    /// <summary>Progress of the main flow's training, also passed on to <paramref name="observer"/> when given.</summary>
    public IProgress<TrainingProgress> Training(IProgress<TrainingProgress>? observer = null) => new Relay<TrainingProgress>(p =>
    {
        stage.Report((Start + fitSteps + p.Step, string.Create(CultureInfo.InvariantCulture, $"{Prefix} main {p.Loss:G3}")));
        observer?.Report(p);
    });

    /// <summary>Shows what the seed is doing without moving the bar.</summary>
    public void Status(string what, bool afterTraining) => stage.Report((afterTraining ? Start + perSeed : Start, $"{Prefix} {what}"));

    /// <summary>Every seed's fits done and their main flows trained together to <paramref name="mainStep"/> (batched seeds).</summary>
    public void Together(int mainStep, string what) =>
        stage.Report(((double)seeds * (fitSteps + mainStep), $"{seeds} seeds at once: {what}"));

    /// <summary>Fills the bar.</summary>
    public void Done() => stage.Report(((double)seeds * perSeed, "done"));

    /// <summary>Reports synchronously (System.Progress would post to a thread pool and reorder reports).</summary>
    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
