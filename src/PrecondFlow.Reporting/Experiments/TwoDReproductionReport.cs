using System.Globalization;
using System.Text;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.IO;
using PrecondFlow.Reporting.Narratives;

namespace PrecondFlow.Reporting;

/// <summary>
/// Writes the results of <see cref="TwoDReproduction.RunAll"/> as a report folder (<see cref="ExperimentReport"/>); all-2d as
/// one sub-folder per experiment and a top-level report.md that links them.
/// </summary>
public static class TwoDReproductionReport
{
    /// <summary>Writes <paramref name="folder"/> atomically (nothing is written if it fails).</summary>
    /// <param name="name">The experiment's name as run, e.g. "fig2" or "all-2d".</param>
    /// <param name="results">What <see cref="TwoDReproduction.RunAll"/> returned for <paramref name="name"/>.</param>
    /// <param name="runtime">The runtime entry of results.json (<see cref="TwoDReproduction.Runtime"/>).</param>
    public static void Write(string folder, string name, IReadOnlyList<ExperimentResult> results, ReproductionSettings settings,
        object runtime)
    {
        if (name != TwoDReproduction.All)
        {
            ExperimentReport.Write(folder, results.Single(), TwoDReproduction.Command(name, settings), runtime);
            return;
        }
        AtomicFile.WriteFolder(folder, staging =>
        {
            foreach (var result in results)
                ExperimentReport.WriteInto(Path.Combine(staging, result.Id), result, TwoDReproduction.Command(TwoDReproduction.All, settings), runtime);
            Json.WriteFile(Path.Combine(staging, ExperimentReport.ResultsFile), new
            {
                command = TwoDReproduction.Command(TwoDReproduction.All, settings),
                wall_seconds = results.Sum(r => r.WallSeconds),
                experiments = results.Select(r => new { id = r.Id, title = r.Title, folder = r.Id, wall_seconds = r.WallSeconds, findings = Narrative.For(r).Findings }),
                runtime,
            });
            AtomicFile.WriteAllText(Path.Combine(staging, ExperimentReport.ReportFile), Overview(results, settings));
        });
    }

    private static string Overview(IReadOnlyList<ExperimentResult> results, ReproductionSettings settings)
    {
        var md = new StringBuilder();
        md.Append("# The 2D experiments of \"Preconditioned Score and Flow Matching\", reproduced\n\n");
        md.Append("The paper's claim: flow matching is a least-squares regression whose conditioning is set by the covariance of the " +
            "points it regresses on; when the data are stretched or curved, first-order optimizers stall, and mapping the data first " +
            "with an invertible *preconditioner* P (whitening, a normalizing flow, or a small flow) that makes them closer to a standard " +
            "Gaussian lets the same main flow train better. Samples are then mapped back with P⁻¹. Each experiment below trains every " +
            "arm with the same main flow, optimizer, steps, batch size and seeds, and charges the preconditioner's own training time.\n\n");
        md.Append(string.Create(CultureInfo.InvariantCulture,
            $"Budget: {(settings.Quick ? "**quick** (reduced; these numbers do not test the paper's claims)" : "default")}, " +
            $"{settings.SeedCount} seeds per arm. Reproduce with `{TwoDReproduction.Command(TwoDReproduction.All, settings)}`.\n\n"));
        foreach (var result in results)
        {
            md.Append($"## [{result.Title}]({result.Id}/{ExperimentReport.ReportFile})\n\n");
            md.Append(ExperimentReport.Paragraph(result)).Append("\n\n");
            md.Append($"Full report, table and figures: [{result.Id}/{ExperimentReport.ReportFile}]({result.Id}/{ExperimentReport.ReportFile}).\n\n");
        }
        md.Append("## Wall-clock time\n\n");
        var table = new MarkdownTable("experiment", "seconds");
        foreach (var result in results)
            table.Row(result.Id, result.WallSeconds.ToString("F0", CultureInfo.InvariantCulture));
        table.Row("all", results.Sum(r => r.WallSeconds).ToString("F0", CultureInfo.InvariantCulture));
        md.Append(table);
        return md.ToString();
    }
}
