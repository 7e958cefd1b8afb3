using System.Text;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Experiments.TwoD.Internal;

namespace PrecondFlow.Reporting.Studies;

/// <summary>
/// The paper-style tables of a 2D study folder: per regime group, every arm's final value (mean ± std over seeds, last
/// step) of the group's headline metrics, side by side across the group's regimes — Table 1's layout for the Swiss roll.
/// </summary>
internal static class FinalTables
{
    /// <summary>The metrics a group's table shows: the thin direction and the affine-invariant distance for the Gaussians,
    /// the distance in data units and the share off the curve for the Swiss roll.</summary>
    public static IReadOnlyList<string> Headline(string group) => group switch
    {
        "a" or "b" => ["spectrum_min_ratio", "whitened_sliced_wasserstein"],
        _ => ["sliced_wasserstein", "curve_share_beyond_3_sigma"],
    };

    public static void Append(StringBuilder md, TwoDStudyResult result)
    {
        md.Append("## Final values side by side\n\n");
        md.Append("Mean ± standard deviation over seeds at each arm's last step (compute-matched baselines at their own, longer, last step).\n\n");
        foreach (var group in result.Regimes.GroupBy(r => r.Regime.Group))
        {
            var regimes = group.ToArray();
            var metrics = Headline(group.Key).Where(m => regimes.All(r => r.Study.Metrics.Any(x => x.Key == m))).ToArray();
            if (metrics.Length == 0)
                continue;
            var columns = new List<string> { "arm" };
            foreach (var regime in regimes)
                foreach (var metric in metrics)
                    columns.Add($"{regime.Regime.Id}: {metric}");
            var table = new MarkdownTable(columns.ToArray());
            var arms = regimes.SelectMany(r => r.Study.Arms.Select(a => a.Name)).Distinct().ToArray();
            foreach (var arm in arms)
            {
                var row = new List<string> { arm };
                foreach (var regime in regimes)
                    foreach (var metric in metrics)
                        row.Add(regime.Study.Arms.FirstOrDefault(a => a.Name == arm) is { } found ? Final(found, metric) : "—");
                table.Row(row.ToArray());
            }
            md.Append($"**Regime ({group.Key})**\n\n").Append(table).Append('\n');
        }
    }

    private static string Final(StudyArm arm, string key) => StudyReport.Final(arm, key) is { Count: > 0 } final ? final.ToString() : "n/a";
}
