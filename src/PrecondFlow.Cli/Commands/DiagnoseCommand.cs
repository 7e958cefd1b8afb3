using System.CommandLine;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Diagnostics;
using PrecondFlow.IO;
using PrecondFlow.Paths;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow diagnose`: κ(Cov x_t) along the path, for the raw data and through preconditioners.</summary>
internal static class DiagnoseCommand
{
    public static Command Create()
    {
        var data = new DataArguments();
        var preconditioner = new PreconditionerArguments("none", allowList: true);
        var path = new Option<string>("--path") { Description = "Probability path: linear, sine-cosine or vp.", DefaultValueFactory = _ => "linear" }
            .AcceptOnlyFromAmong(Paths.Schedulers.Schedulers.Names.ToArray());
        var times = CommonOptions.Positive("--times", "Number of equally spaced times from 0 to 1.", 11);
        var output = CommonOptions.Out("precondflow-diagnose");
        var seed = CommonOptions.Seed();
        var command = new Command("diagnose",
            "Measure the covariance of x_t, its eigenvalues and κ(t) on a grid of times (per class too), for the data as they are and through each preconditioner. Writes conditioning.json and kappa.png.");
        data.AddTo(command);
        preconditioner.AddTo(command);
        foreach (var option in new Option[] { path, times, output, seed })
            command.Options.Add(option);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            long s = parse.GetValue(seed);
            int count = parse.GetValue(times);
            if (count < 2)
                throw new ArgumentException($"--times must be at least 2 (0 and 1); got {count}.");
            var grid = Enumerable.Range(0, count).Select(i => (double)i / (count - 1)).ToArray();
            var loaded = data.Load(parse, s);
            loaded.ReportNotes();
            var points = loaded.Points;
            var probabilityPath = AffinePath.FromName(parse.GetValue(path)!);
            var profiles = new Dictionary<string, ConditioningProfile>();
            ProgressDisplay.Run(stages =>
            {
                foreach (var spec in preconditioner.Specs(parse))
                {
                    preconditioner.CheckClassSizes(parse, spec, loaded);
                    var stage = stages.Add(spec, 1);
                    using var p = preconditioner.Create(parse, spec, points.Dim, points.NumClasses, conditional: points.HasLabels, points.ImageShape);
                    p.Fit(points, s, new Progress<PreconditionerProgress>(r => stage.Report(((double)r.Step / Math.Max(1, r.TotalSteps), $"loss {r.Loss:G4}"))));
                    var z = PreconditionedModel.Transform(p, points);
                    profiles[spec] = ConditioningAnalysis.Sampled(z, probabilityPath, s, grid);
                    stage.Report((1, $"κ(1) = {profiles[spec].Kappa[^1]:G4}"));
                }
            });
            var folder = parse.GetValue(output)!;
            var first = profiles.First();
            AtomicFile.WriteFolder(folder, staging =>
            {
                // The first (or only) preconditioner's profile at the top level, every one under "preconditioners".
                var document = System.Text.Json.JsonSerializer.SerializeToNode(first.Value, Json.Options)!.AsObject();
                document["preconditioner"] = first.Key;
                document["path"] = probabilityPath.Name;
                document["preconditioners"] = System.Text.Json.JsonSerializer.SerializeToNode(profiles, Json.Options);
                AtomicFile.WriteAllText(Path.Combine(staging, "conditioning.json"), document.ToJsonString(Json.Options) + "\n");
                ConditioningReport.WriteKappaChart(Path.Combine(staging, "kappa.png"), profiles,
                    $"κ(Cov x_t) along the {probabilityPath.Name} path");
            });

            var table = new Table().AddColumn("t");
            foreach (var name in profiles.Keys)
                table.AddColumn($"κ, {Markup.Escape(name)}");
            for (int i = 0; i < grid.Length; i++)
                table.AddRow(new[] { $"{grid[i]:0.##}" }.Concat(profiles.Values.Select(p => $"{p.Kappa[i]:G4}")).ToArray());
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"results in [bold]{Markup.Escape(folder)}[/]: conditioning.json, kappa.png");
            return 0;
        }));
        return command;
    }
}
