using System.Globalization;
using System.Text;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.IO;

namespace PrecondFlow.Reporting.Studies;

/// <summary>
/// Writes <c>reproduce study-2d</c>'s folder atomically: one sub-folder per regime (a <see cref="StudyReport"/>:
/// study.json, curves.png, report.md), <c>claims.json</c> (every claim's verdict and numbers) and a top-level
/// <c>report.md</c> that states, from the numbers, which of the paper's claims hold in which regime and which do not.
/// </summary>
public static class TwoDStudyReport
{
    public const string ReportFile = "report.md";
    public const string ClaimsFile = "claims.json";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes the folder; a failure leaves no partial folder.</summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="result">Every regime's study.</param>
    /// <param name="configuration">What the caller knows beyond the settings (runtime), kept in every study.json.</param>
    public static void Write(string folder, TwoDStudyResult result, object? configuration = null) =>
        AtomicFile.WriteFolder(folder, staging =>
        {
            string command = TwoDStudy.Command(result.Settings, result.Experiment);
            var figures = new Dictionary<string, IReadOnlyList<(StudyArm Arm, string File)>>();
            foreach (var regime in result.Regimes)
            {
                string regimeFolder = Path.Combine(staging, regime.Regime.Id);
                StudyReport.Write(regimeFolder, regime.Study, command,
                    new { regime = regime.Regime.Id, title = regime.Regime.Title, configuration });
                figures[regime.Regime.Id] = RegimeFigures.Write(regimeFolder, regime);
            }
            var verdicts = TwoDStudy.Verdicts(result);
            Json.WriteFile(Path.Combine(staging, ClaimsFile), new
            {
                experiment = result.Experiment,
                command,
                seeds = result.Settings.Seeds,
                budget = result.Settings.Quick ? "quick" : "default",
                workers = result.Settings.Workers,
                intra_op_threads = result.Settings.IntraOpThreads,
                batched_seeds = result.Settings.BatchedSeeds,
                wall_seconds = result.WallSeconds,
                regimes = result.Regimes.Select(r => new { id = r.Regime.Id, group = r.Regime.Group, title = r.Regime.Title,
                    data = r.Study.DataDescription, wall_seconds = r.Study.WallSeconds }),
                claims = verdicts.Select(v => new
                {
                    regime = v.Regime.Regime.Id,
                    claim = v.Verdict.Claim.Statement,
                    arm = v.Verdict.Claim.Arm,
                    against = v.Verdict.Claim.Against,
                    metric = v.Verdict.Claim.Metric,
                    arm_value = v.Verdict.ArmValue,
                    against_value = v.Verdict.AgainstValue,
                    arm_error = v.Verdict.ArmError,
                    against_error = v.Verdict.AgainstError,
                    paired_wins = v.Verdict.Wins,
                    seeds = v.Verdict.Seeds,
                    steps_to_reach = v.Verdict.SpeedUp.Step,
                    ratio = v.Verdict.SpeedUp.Ratio,
                    outcome = v.Verdict.Outcome.ToString(),
                }),
                quality_ablation = result.Ablations.Select(a => new
                {
                    regime = a.RegimeId,
                    entropy_nats = a.Entropy.Nats,
                    entropy_standard_error = a.Entropy.StandardError,
                    entropy_method = "mean −log p(x) over the pooled test splits, p the exact curve-plus-Gaussian-noise density (midpoint rule, 20 000 curve parameters)",
                    levels = a.Levels.Select(l => new
                    {
                        realnvp_steps = l.Steps,
                        held_out_nll = l.HeldOutNll,
                        slit_spearman = l.SlitCorrelation,
                        inverse_jacobian_norm_by_distance_quartile = l.NormByDistanceQuartile,
                    }),
                }),
            });
            AtomicFile.WriteAllText(Path.Combine(staging, ReportFile), Markdown(result, verdicts, command, figures));
        });

    /// <summary>One line per claim statement: in which regimes it holds, is mixed, or does not hold.</summary>
    public static IReadOnlyList<string> Summary(IReadOnlyList<(RegimeResult Regime, ClaimVerdict Verdict)> verdicts) =>
        verdicts.GroupBy(v => v.Verdict.Claim.Statement).Select(g =>
        {
            // A statement checked on several arms of one regime names the arm too.
            bool byArm = g.Select(v => v.Verdict.Claim.Arm).Distinct().Count() > 1;
            string In(ClaimOutcome outcome) => string.Join(", ", g.Where(v => v.Verdict.Outcome == outcome)
                .Select(v => byArm ? $"{v.Regime.Regime.Id} ({v.Verdict.Claim.Arm})" : v.Regime.Regime.Id));
            var parts = new List<string>();
            foreach (var (outcome, words) in new[] { (ClaimOutcome.Holds, "holds in"), (ClaimOutcome.Mixed, "is mixed in"),
                         (ClaimOutcome.DoesNotHold, "does not hold in"), (ClaimOutcome.NotMeasured, "is not measured in") })
                if (In(outcome) is { Length: > 0 } regimes)
                    parts.Add($"{words} {regimes}");
            return $"**{g.Key}** {string.Join("; ", parts)}.";
        }).ToArray();

    private static string Markdown(TwoDStudyResult result, IReadOnlyList<(RegimeResult Regime, ClaimVerdict Verdict)> verdicts, string command,
        IReadOnlyDictionary<string, IReadOnlyList<(StudyArm Arm, string File)>> figures)
    {
        var md = new StringBuilder();
        md.Append($"# {TwoDExperiments.Title(result.Experiment)}\n\n");
        md.Append(string.Create(Invariant,
            $"{result.Regimes.Count} convergence studies, {result.Settings.Seeds} paired seeds each, {result.WallSeconds:F0} s in all " +
            $"({result.Settings.Workers} at a time, {result.Settings.IntraOpThreads} intra-op thread(s) each). " +
            $"Command: `{command}`.\n\n"));
        if (result.Settings.Quick)
            md.Append("**Quick budget**: a few seconds per regime, for trying things and tests. These numbers do not test the paper's claims.\n\n");
        md.Append("A claim \"arm A beats arm B on metric m\" **holds** when A's mean final error (over seeds, at the last evaluation point; " +
            "error = value, 1 − value or |log value| by the metric's direction) is lower than B's **and** A is better in a majority of the " +
            "paired seeds; it **does not hold** when neither is true; otherwise it is **mixed**. \"Steps to reach\" is the first step at " +
            "which A's mean error curve reaches B's final mean error (interpolated in log steps), over B's steps.\n\n");

        md.Append("## Which claims hold where\n\n");
        foreach (var line in Summary(verdicts))
            md.Append("- ").Append(line).Append('\n');
        md.Append('\n');

        md.Append("## Every claim, with the numbers\n\n");
        var table = new MarkdownTable("regime", "claim", "A vs B", "metric", "A (mean)", "B (mean)", "A better in", "steps to reach (ratio)", "verdict");
        foreach (var (regime, v) in verdicts)
            table.Row(regime.Regime.Id, v.Claim.Statement, $"{v.Claim.Arm} vs {v.Claim.Against}", v.Claim.Metric,
                v.ArmValue.ToString("G3", Invariant), v.AgainstValue.ToString("G3", Invariant),
                string.Create(Invariant, $"{v.Wins}/{v.Seeds} seeds"),
                v.SpeedUp.Reached ? string.Create(Invariant, $"{v.SpeedUp.Step:F0} (×{v.SpeedUp.Ratio:G2})") : "not reached",
                Words(v.Outcome));
        md.Append(table).Append('\n');

        FinalTables.Append(md, result);
        if (result.Ablations.Count > 0)
            AppendQuality(md, result.Ablations);

        md.Append("## Regimes\n\n");
        foreach (var regime in result.Regimes)
        {
            md.Append($"### [{regime.Regime.Title}]({regime.Regime.Id}/{StudyReport.ReportFile})\n\n");
            md.Append(string.Create(Invariant, $"{regime.Study.DataDescription}; {regime.Study.WallSeconds:F0} s.\n\n"));
            foreach (var line in StudyReport.Findings(regime.Study))
                md.Append("- ").Append(line).Append('\n');
            md.Append('\n');
            if (figures.TryGetValue(regime.Regime.Id, out var drawn) && drawn.Count > 0)
            {
                md.Append(regime.Study.TransportsSource
                    ? "Held-out source points transported by each arm (first seed, last step) over the target data:\n\n"
                    : "Each arm's samples (first seed, last step) over the data:\n\n");
                foreach (var (arm, file) in drawn)
                    md.Append($"![{arm.Name}]({regime.Regime.Id}/{file}) ");
                md.Append("\n\n");
            }
        }

        md.Append("## The paper's 2D experiments on this engine\n\n");
        md.Append("Every 2D experiment of `reproduce` runs the regimes above on one convergence-study engine (constant learning rate after " +
            "warm-up, log-spaced evaluations, paired seeds, each arm at its own best learning rate, compute-matched baselines, metrics that " +
            "see thin directions):\n\n");
        md.Append("- `reproduce fig2`: regime (a), N(0, I) → elongated Gaussians at κ = 10² and 10⁴, with scatter figures of each arm (Fig. 2).\n");
        md.Append("- `reproduce table1`: regime (c), the Swiss roll at unit and raw scale and two noise levels, with RealNVP's quality " +
            "ablation and the scatter figures of Fig. 3–5; Table 1's sliced W₂ is the first column of each Swiss-roll table above.\n");
        md.Append("- `reproduce fig11`: regime (d), checkerboard → Swiss roll with the preconditioner on the source only next to both ends (Fig. 11).\n");
        md.Append("- `reproduce all-2d`: the three; `reproduce study-2d`: every regime, with (b), the labelled anisotropic mixture.\n");
        return md.ToString();
    }

    /// <summary>RealNVP's held-out NLL against the data's entropy, and the slit check, per Swiss-roll regime.</summary>
    private static void AppendQuality(StringBuilder md, IReadOnlyList<QualityAblation> ablations)
    {
        md.Append("## (c) RealNVP's quality and the slit mechanism\n\n");
        md.Append("RealNVP (the study's options) is fitted on each seed's training split for several step counts. **Held-out NLL** is " +
            "−mean log p_P(x) on the test split; the **entropy** H of the data is the best any model can reach: the exact density of the " +
            "curve plus Gaussian noise (t uniform on [1.5π, 4.5π], a midpoint rule over 20 000 values of t, in log space) averaged as " +
            "−log p over the pooled test splits (± its standard error). NLL − H estimates KL(data ‖ model). **Slit check**: for " +
            $"{PreconditionerQuality.SlitPoints} points z ~ N(0, I) per seed, Spearman's ρ between ‖∂P⁻¹/∂z‖₂ (autograd) and the distance " +
            "of P⁻¹(z) to the generating curve; ρ > 0 means P⁻¹ stretches space most where it sends points off the curve, the mechanism " +
            "by which a main flow's errors become bridges between arms. The last columns are the mean norm in each quartile of that " +
            "distance, nearest first (mean over seeds).\n\n");
        var table = new MarkdownTable("regime", "entropy H", "RealNVP steps", "held-out NLL", "NLL − H", "slit ρ", "ρ > 0 in", "‖∂P⁻¹/∂z‖ by distance quartile");
        foreach (var a in ablations)
            foreach (var l in a.Levels)
            {
                var nll = MeanStd.Of(l.HeldOutNll.ToArray());
                var rho = MeanStd.Of(l.SlitCorrelation.ToArray());
                var quartiles = Enumerable.Range(0, 4).Select(q => l.NormByDistanceQuartile.Average(s => s[q]).ToString("G3", Invariant));
                table.Row(a.RegimeId, string.Create(Invariant, $"{a.Entropy.Nats:F3} ± {a.Entropy.StandardError:F3}"),
                    l.Steps.ToString(Invariant), nll.ToString(), (nll.Mean - a.Entropy.Nats).ToString("F3", Invariant), rho.ToString(),
                    string.Create(Invariant, $"{l.SlitCorrelation.Count(r => r > 0)}/{l.SlitCorrelation.Count} seeds"),
                    string.Join(" / ", quartiles));
            }
        md.Append(table).Append('\n');
        foreach (var a in ablations)
        {
            var first = a.Levels[0];
            var last = a.Levels[^1];
            double gapFirst = first.HeldOutNll.Average() - a.Entropy.Nats, gapLast = last.HeldOutNll.Average() - a.Entropy.Nats;
            double rhoLast = last.SlitCorrelation.Average();
            md.Append(string.Create(Invariant,
                $"- {a.RegimeId}: the gap to the entropy is {gapFirst:F3} nats after {first.Steps} steps and {gapLast:F3} after {last.Steps}" +
                $" ({(gapLast < gapFirst ? "it shrinks with training" : "it does not shrink")}); at {last.Steps} steps the slit correlation is " +
                $"ρ = {rhoLast:F2} ({(last.SlitCorrelation.All(r => r > 0) ? "positive in every seed: the slit mechanism is present" : last.SlitCorrelation.All(r => r <= 0) ? "not positive in any seed: no sign of the slit mechanism" : "its sign varies across seeds")}).\n"));
        }
        md.Append('\n');
    }

    private static string Words(ClaimOutcome outcome) => outcome switch
    {
        ClaimOutcome.Holds => "**holds**",
        ClaimOutcome.Mixed => "mixed",
        ClaimOutcome.DoesNotHold => "**does not hold**",
        _ => "not measured",
    };
}
