using System.Globalization;
using System.Text;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.Studies.Regimes;
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
            string command = TwoDStudy.Command(result.Settings);
            foreach (var regime in result.Regimes)
                StudyReport.Write(Path.Combine(staging, regime.Regime.Id), regime.Study, command,
                    new { regime = regime.Regime.Id, title = regime.Regime.Title, configuration });
            var verdicts = TwoDStudy.Verdicts(result);
            Json.WriteFile(Path.Combine(staging, ClaimsFile), new
            {
                command,
                seeds = result.Settings.Seeds,
                budget = result.Settings.Quick ? "quick" : "default",
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
            });
            AtomicFile.WriteAllText(Path.Combine(staging, ReportFile), Markdown(result, verdicts, command));
        });

    /// <summary>One line per claim statement: in which regimes it holds, is mixed, or does not hold.</summary>
    public static IReadOnlyList<string> Summary(IReadOnlyList<(RegimeResult Regime, ClaimVerdict Verdict)> verdicts) =>
        verdicts.GroupBy(v => v.Verdict.Claim.Statement).Select(g =>
        {
            string In(ClaimOutcome outcome) => string.Join(", ", g.Where(v => v.Verdict.Outcome == outcome).Select(v => v.Regime.Regime.Id));
            var parts = new List<string>();
            foreach (var (outcome, words) in new[] { (ClaimOutcome.Holds, "holds in"), (ClaimOutcome.Mixed, "is mixed in"),
                         (ClaimOutcome.DoesNotHold, "does not hold in"), (ClaimOutcome.NotMeasured, "is not measured in") })
                if (In(outcome) is { Length: > 0 } regimes)
                    parts.Add($"{words} {regimes}");
            return $"**{g.Key}** {string.Join("; ", parts)}.";
        }).ToArray();

    private static string Markdown(TwoDStudyResult result, IReadOnlyList<(RegimeResult Regime, ClaimVerdict Verdict)> verdicts, string command)
    {
        var md = new StringBuilder();
        md.Append("# Preconditioning across 2D regimes\n\n");
        md.Append(string.Create(Invariant,
            $"{result.Regimes.Count} convergence studies, {result.Settings.Seeds} paired seeds each, {result.WallSeconds:F0} s in all. " +
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

        md.Append("## Regimes\n\n");
        foreach (var regime in result.Regimes)
        {
            md.Append($"### [{regime.Regime.Title}]({regime.Regime.Id}/{StudyReport.ReportFile})\n\n");
            md.Append(string.Create(Invariant, $"{regime.Study.DataDescription}; {regime.Study.WallSeconds:F0} s.\n\n"));
            foreach (var line in StudyReport.Findings(regime.Study))
                md.Append("- ").Append(line).Append('\n');
            md.Append('\n');
        }

        md.Append("## How this maps to the older reproductions\n\n");
        md.Append("- `reproduce fig2` (N(0, I) → elongated Gaussian, cosine schedule): regime (a), here with a constant learning rate, " +
            "log-spaced evaluations and metrics that see the thin direction.\n");
        md.Append("- `reproduce table1` (Swiss roll, Fig. 3–5, unit scale, noise 0.05): regime (c), here at unit and raw scale and two noise levels.\n");
        md.Append("- `reproduce fig11` (checkerboard → Swiss roll, P on both ends): regime (d), here with a source-only arm next to both ends.\n");
        return md.ToString();
    }

    private static string Words(ClaimOutcome outcome) => outcome switch
    {
        ClaimOutcome.Holds => "**holds**",
        ClaimOutcome.Mixed => "mixed",
        ClaimOutcome.DoesNotHold => "**does not hold**",
        _ => "not measured",
    };
}
