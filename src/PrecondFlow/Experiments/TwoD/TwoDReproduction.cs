using System.Globalization;
using System.Text;
using PrecondFlow.Data.Internal;
using PrecondFlow.Devices;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// The paper's 2D experiments by name — "fig2", "table1", "fig11", or "all-2d" for all three — each run and written as a
/// report folder (<see cref="ExperimentReport"/>); all-2d writes one sub-folder per experiment and a top-level report.md
/// that links them.
/// </summary>
public static class TwoDReproduction
{
    public const string All = "all-2d";

    /// <summary>The names accepted by <see cref="RunAndWrite"/>.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [ElongatedGaussianExperiment.Id, SwissRollExperiment.Id, CheckerboardToSwissRollExperiment.Id, All];

    /// <summary>The single experiments, in the order all-2d runs them.</summary>
    public static IReadOnlyList<string> Experiments { get; } = Names.Take(3).ToArray();

    /// <summary>Runs experiment <paramref name="name"/> and writes its folder atomically (nothing is written if it fails).</summary>
    /// <returns>The results: one, or one per experiment for all-2d.</returns>
    public static IReadOnlyList<ExperimentResult> RunAndWrite(string name, ReproductionSettings settings, Device device, string folder,
        IExperimentProgress? progress = null)
    {
        CheckName(name);
        settings.Validate();
        var runtime = Runtime(device, settings);
        if (name != All)
        {
            var result = Run(name, settings, device, progress);
            ExperimentReport.Write(folder, result, Command(name, settings), runtime);
            return [result];
        }
        var results = Experiments.Select(n => Run(n, settings, device, progress)).ToArray();
        AtomicFile.WriteFolder(folder, staging =>
        {
            foreach (var result in results)
                ExperimentReport.WriteInto(Path.Combine(staging, result.Id), result, Command(All, settings), runtime);
            Json.WriteFile(Path.Combine(staging, ExperimentReport.ResultsFile), new
            {
                command = Command(All, settings),
                wall_seconds = results.Sum(r => r.WallSeconds),
                experiments = results.Select(r => new { id = r.Id, title = r.Title, folder = r.Id, wall_seconds = r.WallSeconds, findings = r.Findings }),
                runtime,
            });
            AtomicFile.WriteAllText(Path.Combine(staging, ExperimentReport.ReportFile), Overview(results, settings));
        });
        return results;
    }

    /// <summary>Runs one single experiment (not all-2d) without writing anything.</summary>
    public static ExperimentResult Run(string name, ReproductionSettings settings, Device device, IExperimentProgress? progress = null)
    {
        CheckName(name);
        settings.Validate();
        return name switch
        {
            ElongatedGaussianExperiment.Id => ElongatedGaussianExperiment.Run(ElongatedGaussianOptions.For(settings.Quick), settings.Seeds, device, progress),
            SwissRollExperiment.Id => SwissRollExperiment.Run(SwissRollOptions.For(settings.Quick), settings.Seeds, device, progress),
            CheckerboardToSwissRollExperiment.Id => CheckerboardToSwissRollExperiment.Run(
                CheckerboardToSwissRollOptions.For(settings.Quick), settings.Seeds, device, progress),
            _ => throw new ArgumentException($"'{name}' runs several experiments; use {nameof(RunAndWrite)}.", nameof(name)),
        };
    }

    /// <summary>The command line that reproduces a run.</summary>
    public static string Command(string name, ReproductionSettings settings) =>
        $"precondflow reproduce {name} --seeds {settings.SeedCount}{(settings.Quick ? " --quick" : "")}";

    private static void CheckName(string name)
    {
        if (!Names.Contains(name))
            throw new ArgumentException(
                $"Unknown experiment '{name}'. Known experiments: {string.Join(", ", Names)}.{NameSuggestion.Hint(name, Names)}", nameof(name));
    }

    private static object Runtime(Device device, ReproductionSettings settings) => new
    {
        info = RuntimeInfo.Collect(device),
        omp_num_threads = Environment.GetEnvironmentVariable("OMP_NUM_THREADS"),
        budget = settings.Quick ? "quick (a reduced budget for trying things; its numbers do not test the paper's claims)" : "default",
    };

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
            $"{settings.SeedCount} seeds per arm. Reproduce with `{Command(All, settings)}`.\n\n"));
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
