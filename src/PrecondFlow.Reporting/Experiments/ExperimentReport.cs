using System.Globalization;
using System.Text;
using System.Text.Json;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.IO;
using PrecondFlow.Reporting;
using PrecondFlow.Reporting.Narratives;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// Writes an experiment's folder: <c>results.json</c> (every number per seed and as mean ± std, plus the configuration),
/// the PNG figures, and <c>report.md</c> (the table, the result paragraph, the cost of each arm, the figures and the
/// fairness rules). The sentences come from the experiment's <see cref="Narrative"/>.
/// </summary>
public static class ExperimentReport
{
    public const string ResultsFile = "results.json";
    public const string ReportFile = "report.md";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Compact = new(Json.Options) { WriteIndented = false };

    /// <summary>Writes the folder atomically: a failure leaves no partial folder.</summary>
    /// <param name="command">The command line that reproduces the run, shown in the report.</param>
    /// <param name="runtime">Facts about the runtime (device, threads) for results.json.</param>
    public static void Write(string folder, ExperimentResult result, string command, object runtime) =>
        AtomicFile.WriteFolder(folder, staging => WriteInto(staging, result, command, runtime));

    /// <summary>Writes the files into an existing folder (e.g. a staging folder that will be moved into place).</summary>
    public static void WriteInto(string folder, ExperimentResult result, string command, object runtime)
    {
        Directory.CreateDirectory(folder);
        foreach (var figure in result.Figures)
            FigureRenderer.Render(figure, Path.Combine(folder, figure.File));
        var narrative = Narrative.For(result);
        Json.WriteFile(Path.Combine(folder, ResultsFile), Results(result, narrative, command, runtime));
        AtomicFile.WriteAllText(Path.Combine(folder, ReportFile), Markdown(result, narrative, command, runtime));
    }

    /// <summary>The result paragraph as one string.</summary>
    public static string Paragraph(ExperimentResult result) => Narrative.For(result).Paragraph;

    private static object Results(ExperimentResult result, Narrative narrative, string command, object runtime) => new
    {
        experiment = result.Id,
        title = result.Title,
        command,
        seeds = result.Seeds,
        wall_seconds = result.WallSeconds,
        baseline = result.BaselineArm,
        metrics = result.Metrics,
        noise_floor = new
        {
            per_seed = result.NoiseFloor,
            summary = result.NoiseFloor.ToDictionary(f => f.Key, f => MeanStd.Of(f.Value.ToArray())),
        },
        arms = result.Arms.Select(a => new
        {
            name = a.Name,
            label = a.Label,
            description = a.Description,
            preconditioner_parameters = a.PreconditionerParameters,
            summary = a.Runs[0].Metrics.Keys.ToDictionary(k => k, a.Summary),
            seconds = new
            {
                preconditioner = a.Time(t => t.PreconditionerSeconds),
                transform = a.Time(t => t.TransformSeconds),
                main_flow = a.Time(t => t.MainFlowSeconds),
                total_training = a.Time(t => t.TotalSeconds),
                evaluation = a.EvaluationTime,
            },
            per_seed = a.Runs,
        }),
        references = result.References ?? [],
        findings = narrative.Findings,
        fairness = narrative.Fairness,
        configuration = result.Configuration,
        runtime,
    };

    private static string Markdown(ExperimentResult result, Narrative narrative, string command, object runtime)
    {
        var md = new StringBuilder();
        md.Append($"# {result.Title}\n\n");
        foreach (var paragraph in narrative.Introduction)
            md.Append(paragraph).Append("\n\n");

        md.Append("## What the numbers say\n\n").Append(narrative.Paragraph).Append("\n\n");

        md.Append($"## Results ({result.Seeds.Count} seeds per arm, mean ± standard deviation)\n\n");
        var table = new MarkdownTable(new[] { "arm" }.Concat(result.Metrics.Select(m => m.Label)).ToArray());
        foreach (var arm in result.Arms)
            table.Row(new[] { arm.Label }.Concat(result.Metrics.Select(m => arm.Summary(m.Key).ToString())).ToArray());
        if (result.NoiseFloor.Count > 0)
            table.Row(new[] { "*noise floor*" }.Concat(result.Metrics.Select(m =>
                result.NoiseFloor.TryGetValue(m.Key, out var floor) ? $"*{MeanStd.Of(floor.ToArray())}*" : "—")).ToArray());
        md.Append(table).Append('\n');
        if (result.NoiseFloor.Count > 0)
            md.Append("The *noise floor* row compares two independent samples of the true distribution, of the same sizes as in the " +
                "measurement: what a perfect model would score. Differences between arms that are small against it are sampling noise.\n\n");
        var higher = result.Metrics.Where(m => m.HigherIsBetter).Select(m => m.Label).ToArray();
        md.Append(higher.Length == 0
            ? "Lower is better in every column. What each column measures:\n\n"
            : $"Lower is better, except for {string.Join(", ", higher)}, where higher is better. What each column measures:\n\n");
        foreach (var metric in result.Metrics)
            md.Append($"- **{metric.Label}**: {metric.Description}.\n");
        md.Append('\n');

        if (result.References is { Count: > 0 } references)
        {
            md.Append("### Reference values\n\n");
            var referenceTable = new MarkdownTable("quantity", "value", "what it is");
            foreach (var reference in references)
                referenceTable.Row(reference.Label, reference.Value.ToString("G4", Invariant), reference.Description);
            md.Append(referenceTable).Append('\n');
        }

        md.Append("### Per seed\n\n");
        var perSeed = new MarkdownTable(new[] { "arm", "seed" }.Concat(result.Metrics.Select(m => m.Label)).ToArray());
        foreach (var arm in result.Arms)
            foreach (var run in arm.Runs)
                perSeed.Row(new[] { arm.Label, run.Seed.ToString(Invariant) }
                    .Concat(result.Metrics.Select(m => run.Metrics[m.Key].ToString("G4", Invariant))).ToArray());
        md.Append(perSeed).Append('\n');

        md.Append("## Cost per seed (wall-clock seconds, mean ± standard deviation)\n\n");
        var cost = new MarkdownTable("arm", "trainable parameters of P", "fitting P", "computing P(x)", "main flow", "total training", "evaluation");
        foreach (var arm in result.Arms)
            cost.Row(arm.Label, arm.PreconditionerParameters.ToString("N0", Invariant), Seconds(arm.Time(t => t.PreconditionerSeconds)),
                Seconds(arm.Time(t => t.TransformSeconds)), Seconds(arm.Time(t => t.MainFlowSeconds)),
                Seconds(arm.Time(t => t.TotalSeconds)), Seconds(arm.EvaluationTime));
        md.Append(cost).Append('\n');
        md.Append("\"Total training\" charges the preconditioner: fitting P plus computing P(x) for the training data plus the main flow. " +
            "\"Evaluation\" is the time spent measuring (sampling, inverting, metrics, curves during training) and is not part of any arm's cost.\n\n");
        foreach (var arm in result.Arms)
            md.Append($"- **{arm.Label}**: {arm.Description}.\n");
        md.Append('\n');

        md.Append("## Figures\n\n");
        foreach (var figure in result.Figures)
            md.Append($"{figure.Caption}\n\n![{figure.File}]({figure.File})\n\n");

        md.Append("## Fairness\n\n");
        foreach (var rule in narrative.Fairness)
            md.Append($"- {rule}\n");
        md.Append('\n');

        md.Append("## Reproduce\n\n");
        md.Append($"`{command}` (this run took {result.WallSeconds:F0} s of wall-clock time). Every number above, per seed, and the full " +
            $"configuration are in [{ResultsFile}]({ResultsFile}).\n\n");
        md.Append($"Runtime: `{JsonSerializer.Serialize(runtime, Compact)}`\n");
        return md.ToString();
    }

    private static string Seconds(MeanStd value) =>
        string.Create(Invariant, $"{value.Mean:F1} ± {value.Std:F1}");
}
