using System.Globalization;
using System.Text;
using PrecondFlow.IO;
using PrecondFlow.Reporting;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments;

/// <summary>
/// Writes the demo's folder atomically: samples.png (baseline), samples-&lt;preconditioner&gt;.png, loss.png,
/// flow-lines.png, results.json (baseline figures at the top, every arm under "arms") and report.md.
/// </summary>
public static class DemoReport
{
    public static void Write(string folder, DemoResult result, object runtime)
    {
        var baseline = result.Baseline;
        AtomicFile.WriteFolder(folder, staging =>
        {
            foreach (var arm in result.Arms)
            {
                var file = arm == baseline ? "samples.png" : $"samples-{arm.Preconditioner}.png";
                Charts.Scatter(Path.Combine(staging, file), $"{result.Options.Dataset}: held-out data and samples, preconditioner: {arm.Preconditioner}",
                    new[] { PointSeries.FromPoints("held-out data", result.HeldOut), PointSeries.FromPoints("samples", arm.Samples) });
            }
            LossChart.Write(Path.Combine(staging, LossChart.File),
                result.Arms.Select(a => ($"main flow, preconditioner: {a.Preconditioner}", a.LossTrace)).ToArray());
            if (baseline.Trajectory.Count > 1)
                Charts.Trajectories(Path.Combine(staging, "flow-lines.png"), "Flow lines from N(0, I) (t = 0) to the data (t = 1), no preconditioner",
                    PointSeries.Trajectories(baseline.Trajectory, 300));
            Json.WriteFile(Path.Combine(staging, "results.json"), new
            {
                dataset = result.Options.Dataset,
                seed = result.Options.Seed,
                device = result.Device,
                train_seconds = baseline.Times.MainFlowSeconds,
                sample_seconds = baseline.SampleSeconds,
                nfe = baseline.FunctionEvaluations,
                sliced_wasserstein = baseline.SlicedWasserstein,
                mmd = baseline.Mmd,
                final_loss = baseline.LossTrace[^1].Loss,
                arms = result.Arms.ToDictionary(a => a.Preconditioner, a => new
                {
                    preconditioner_seconds = a.Times.PreconditionerSeconds,
                    transform_seconds = a.Times.TransformSeconds,
                    train_seconds = a.Times.MainFlowSeconds,
                    total_seconds = a.Times.TotalSeconds,
                    sample_seconds = a.SampleSeconds,
                    nfe = a.FunctionEvaluations,
                    sliced_wasserstein = a.SlicedWasserstein,
                    mmd = a.Mmd,
                    final_loss = a.LossTrace[^1].Loss,
                }),
                metrics = new
                {
                    sliced_wasserstein = "sliced Wasserstein-2 distance between the samples and held-out data",
                    mmd = "unbiased MMD² with Gaussian kernels around the median heuristic",
                },
                configuration = new { demo = result.Options, model = result.Model, training = result.Training },
                runtime,
            });
            AtomicFile.WriteAllText(Path.Combine(staging, "report.md"), Markdown(result));
        });
    }

    private static string Markdown(DemoResult result)
    {
        var c = CultureInfo.InvariantCulture;
        var b = result.Baseline;
        var text = new StringBuilder();
        text.AppendLine($"# PrecondFlow demo: {result.Options.Dataset}");
        text.AppendLine();
        text.AppendLine(string.Create(c, $"Flow matching with the same main network (MLP {string.Join("×", result.Options.HiddenWidths)}), optimizer, {result.Options.Steps} steps, batch {result.Options.BatchSize} and seed {result.Options.Seed} in every arm; samples ({result.Options.SampleCount}, {result.Options.Solver}) compared with {result.Options.TestCount} held-out points. Lower is better for both metrics."));
        text.AppendLine();
        text.AppendLine("| preconditioner | sliced W₂ | MMD² | P seconds | main-flow seconds |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var a in result.Arms)
            text.AppendLine(string.Create(c, $"| {a.Preconditioner} | {a.SlicedWasserstein:F4} | {a.Mmd:E2} | {a.Times.PreconditionerSeconds + a.Times.TransformSeconds:F1} | {a.Times.MainFlowSeconds:F1} |"));
        text.AppendLine();
        foreach (var a in result.Arms.Skip(1))
        {
            double change = (a.SlicedWasserstein - b.SlicedWasserstein) / b.SlicedWasserstein * 100;
            text.AppendLine(change < 0
                ? string.Create(c, $"With the {a.Preconditioner} preconditioner the sliced Wasserstein distance to held-out data is {-change:F0}% lower than without ({a.SlicedWasserstein:F4} vs {b.SlicedWasserstein:F4}), one seed; `precondflow reproduce` repeats such comparisons over seeds.")
                : string.Create(c, $"Here the {a.Preconditioner} preconditioner did not help: its sliced Wasserstein distance is {change:F0}% higher than without ({a.SlicedWasserstein:F4} vs {b.SlicedWasserstein:F4}), one seed."));
        }
        text.AppendLine();
        text.AppendLine("![baseline samples](samples.png)");
        foreach (var a in result.Arms.Skip(1))
            text.AppendLine($"![samples with {a.Preconditioner}](samples-{a.Preconditioner}.png)");
        text.AppendLine();
        text.AppendLine("![loss](loss.png) ![flow lines](flow-lines.png)");
        text.AppendLine();
        text.AppendLine("The losses of different arms are not comparable with each other: each main flow regresses a different target (the data, or P of the data).");
        return text.ToString();
    }
}
