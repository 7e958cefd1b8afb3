using System.Diagnostics;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>
/// <c>reproduce study-2d</c>: one <see cref="ConvergenceStudy"/> per regime of <see cref="TwoDStudyRegimes"/>, the paper's
/// claims checked against each (<see cref="ClaimVerdict"/>), and RealNVP's quality ablation and slit check on each Swiss-roll
/// regime (<see cref="PreconditionerQuality"/>): independent jobs (<see cref="Jobs"/>), run one after another or, through a
/// launcher, several at a time. Plain data in and out; the reporting assembly writes the folders.
/// </summary>
public static class TwoDStudy
{
    public const string Id = "study-2d";

    /// <summary>Runs every regime. Deterministic on the CPU: same settings, same numbers.</summary>
    public static TwoDStudyResult Run(TwoDStudySettings settings, Device device, IExperimentProgress? progress = null) =>
        Run(Id, settings, device, progress);

    /// <summary>Runs the regimes of 2D experiment <paramref name="experiment"/> (<see cref="TwoDExperiments.Names"/>).</summary>
    /// <param name="observer">Receives every regime's runs (<see cref="IStudyObserver.ForRegime"/>); it only reads.</param>
    public static TwoDStudyResult Run(string experiment, TwoDStudySettings settings, Device device, IExperimentProgress? progress = null,
        IStudyObserver? observer = null)
    {
        settings.Validate();
        return Run(settings, TwoDExperiments.Regimes(experiment, settings), device, progress, experiment, observer);
    }

    /// <summary>Runs the given regimes (e.g. a subset of <see cref="TwoDStudyRegimes.For"/>) under the name
    /// <paramref name="experiment"/>.</summary>
    /// <param name="launcher">Runs the jobs (<see cref="Jobs"/>) <see cref="TwoDStudySettings.Workers"/> at a time elsewhere,
    /// e.g. one process each; the results are then read back from their work folder, and are the numbers of a run without
    /// it. Null, or one worker: every job runs here, one after another.</param>
    /// <param name="observer">Receives every regime's runs when the jobs run here; launched jobs log through their own.</param>
    public static TwoDStudyResult Run(TwoDStudySettings settings, IReadOnlyList<StudyRegime> regimes, Device device,
        IExperimentProgress? progress = null, string experiment = Id, IStudyObserver? observer = null,
        ITwoDStudyJobLauncher? launcher = null)
    {
        settings.Validate();
        var clock = Stopwatch.StartNew();
        progress ??= IExperimentProgress.None;
        set_num_threads(settings.IntraOpThreads);
        if (launcher is null || settings.Workers == 1)
        {
            var results = regimes.Select(r => new RegimeResult(r, ConvergenceStudy.Run(r.Options, r.Data, device,
                new PrefixedProgress(progress, r.Id), observer: observer?.ForRegime(r.Id)))).ToArray();
            var steps = TwoDStudyRegimes.QualitySteps(settings.Quick);
            var ablations = regimes.Where(r => r.Group == "c")
                .Select(r => PreconditionerQuality.Run(r, steps, AblationStage(progress, r, steps))).ToArray();
            return new TwoDStudyResult(settings, results, clock.Elapsed.TotalSeconds, ablations, experiment);
        }

        var work = Directory.CreateTempSubdirectory("precondflow-2d-jobs-").FullName;
        try
        {
            launcher.Run(Jobs(regimes), work, settings.Workers);
            // Every seed and trial is in the cache now: these runs only read them back (and replay the evaluations to the
            // observer), so each study's wall time is the one its job measured.
            var cache = JobFiles.Cache(work);
            var results = regimes.Select(r => new RegimeResult(r,
                ConvergenceStudy.Run(r.Options, r.Data, device, cache: cache) with { WallSeconds = JobFiles.ReadStudyWall(work, r.Id) }))
                .ToArray();
            var ablations = regimes.Where(r => r.Group == "c").Select(r => JobFiles.ReadAblation(work, r.Id)).ToArray();
            return new TwoDStudyResult(settings, results, clock.Elapsed.TotalSeconds, ablations, experiment);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The independent jobs of <paramref name="regimes"/>: each regime's study and each Swiss-roll regime's ablation,
    /// the costliest first so that the last to start is a short one (the Swiss rolls, whose thinnest sample with the most ODE
    /// steps; then the ablations; then the rest in regime order).</summary>
    public static IReadOnlyList<TwoDStudyJob> Jobs(IReadOnlyList<StudyRegime> regimes) =>
        regimes.Select((r, i) => (Order: r.Group == "c" ? -r.Options.SolverSteps : 1, Index: i, Job: (Kind: TwoDStudyJobKind.Study, r.Id)))
            .Concat(regimes.Where(r => r.Group == "c").Select((r, i) => (Order: 0, Index: i, Job: (Kind: TwoDStudyJobKind.Ablation, r.Id))))
            .OrderBy(j => j.Order).ThenBy(j => j.Index)
            .Select((j, index) => new TwoDStudyJob(index, j.Job.Kind, j.Job.Id))
            .ToArray();

    /// <summary>Runs one job of <see cref="Jobs"/> and leaves its result in <paramref name="workFolder"/>: a study's seeds and
    /// trials in the folder's study cache with its wall time, an ablation's numbers in a file. Sets libtorch's intra-op
    /// threads of the calling thread to <see cref="TwoDStudySettings.IntraOpThreads"/>.</summary>
    /// <param name="experiment">The experiment whose regimes the job belongs to (<see cref="TwoDExperiments.Names"/>).</param>
    /// <param name="job">Which job.</param>
    public static void RunJob(string experiment, TwoDStudySettings settings, TwoDStudyJob job, string workFolder, Device device,
        IExperimentProgress? progress = null, IStudyObserver? observer = null)
    {
        settings.Validate();
        set_num_threads(settings.IntraOpThreads);
        progress ??= IExperimentProgress.None;
        var regime = TwoDExperiments.Regimes(experiment, settings).SingleOrDefault(r => r.Id == job.RegimeId)
            ?? throw new ArgumentException($"{experiment} has no regime '{job.RegimeId}'.", nameof(job));
        if (job.Kind == TwoDStudyJobKind.Ablation)
        {
            var steps = TwoDStudyRegimes.QualitySteps(settings.Quick);
            JobFiles.WriteAblation(workFolder, PreconditionerQuality.Run(regime, steps, AblationStage(progress, regime, steps)));
            return;
        }
        var study = ConvergenceStudy.Run(regime.Options, regime.Data, device, new PrefixedProgress(progress, regime.Id),
            JobFiles.Cache(workFolder), observer?.ForRegime(regime.Id));
        JobFiles.WriteStudyWall(workFolder, regime.Id, study.WallSeconds);
    }

    private static IProgress<(double Done, string Status)> AblationStage(IExperimentProgress progress, StudyRegime regime, IReadOnlyList<int> steps) =>
        progress.AddStage($"{regime.Id} · RealNVP quality ablation", steps.Count * regime.Options.Seeds);

    /// <summary>Every claim of every regime, checked.</summary>
    public static IReadOnlyList<(RegimeResult Regime, ClaimVerdict Verdict)> Verdicts(TwoDStudyResult result) =>
        (from regime in result.Regimes
         from claim in regime.Regime.Claims
         select (regime, ClaimVerdict.Check(claim, regime.Study))).ToArray();

    /// <summary>The command line that reproduces a run of <paramref name="experiment"/>.</summary>
    public static string Command(TwoDStudySettings settings, string experiment = Id) =>
        $"precondflow reproduce {experiment} --seeds {settings.Seeds}{(settings.Quick ? " --quick" : "")}" +
        (settings.IntraOpThreads == 1 ? "" : $" --threads {settings.IntraOpThreads}") + (settings.BatchedSeeds ? " --batched-seeds" : "");
}
