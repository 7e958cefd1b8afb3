using System.Diagnostics;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>
/// <c>reproduce study-2d</c>: one <see cref="ConvergenceStudy"/> per regime of <see cref="TwoDStudyRegimes"/>, the paper's
/// claims checked against each (<see cref="ClaimVerdict"/>), and RealNVP's quality ablation and slit check on each Swiss-roll
/// regime (<see cref="PreconditionerQuality"/>). Plain data in and out; the reporting assembly
/// writes the folders.
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
    public static TwoDStudyResult Run(TwoDStudySettings settings, IReadOnlyList<StudyRegime> regimes, Device device,
        IExperimentProgress? progress = null, string experiment = Id, IStudyObserver? observer = null)
    {
        settings.Validate();
        var clock = Stopwatch.StartNew();
        // Each regime's stages carry its id: a run of several regimes shows which one is at work.
        var results = regimes.Select(r => new RegimeResult(r,
            ConvergenceStudy.Run(r.Options, r.Data, device, progress is null ? null : new PrefixedProgress(progress, r.Id),
                observer: observer?.ForRegime(r.Id)))).ToArray();
        var steps = TwoDStudyRegimes.QualitySteps(settings.Quick);
        var curved = regimes.Where(r => r.Group == "c").ToArray();
        var bar = (progress ?? IExperimentProgress.None).AddStage("RealNVP quality ablation", curved.Length);
        var ablations = new List<QualityAblation>();
        foreach (var regime in curved)
        {
            bar.Report((ablations.Count, regime.Id));
            ablations.Add(PreconditionerQuality.Run(regime, steps));
        }
        bar.Report((curved.Length, "done"));
        return new TwoDStudyResult(settings, results, clock.Elapsed.TotalSeconds, ablations, experiment);
    }

    /// <summary>Every claim of every regime, checked.</summary>
    public static IReadOnlyList<(RegimeResult Regime, ClaimVerdict Verdict)> Verdicts(TwoDStudyResult result) =>
        (from regime in result.Regimes
         from claim in regime.Regime.Claims
         select (regime, ClaimVerdict.Check(claim, regime.Study))).ToArray();

    /// <summary>The command line that reproduces a run of <paramref name="experiment"/>.</summary>
    public static string Command(TwoDStudySettings settings, string experiment = Id) =>
        $"precondflow reproduce {experiment} --seeds {settings.Seeds}{(settings.Quick ? " --quick" : "")}";
}
