using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Devices;
using PrecondFlow.Experiments.TwoD;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow reproduce &lt;experiment&gt;`: one of the paper's 2D experiments as a report folder.</summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var experiment = new Argument<string>("experiment")
        {
            Description = "fig2 (N(0, I) → elongated Gaussian, with/without whitening), table1 (Swiss roll: none, RealNVP, flow, " +
                "whitening; Fig. 3–5), fig11 (checkerboard → Swiss roll transport), or all-2d (all three, into sub-folders).",
        }.AcceptOnlyFromAmong(TwoDReproduction.Names.ToArray());
        var seeds = CommonOptions.Positive("--seeds", "Seeds per arm (0, 1, …), at least 2; every arm uses the same ones.", 3);
        var quick = new Option<bool>("--quick")
        {
            Description = "A reduced budget that finishes in about a minute, for trying things; its numbers do not test the paper's claims.",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Output folder (default: precondflow-<experiment>). It is written atomically: a failed run leaves nothing.",
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "libtorch's intra-op threads (default: libtorch's own choice). The 2D models are small: on a busy machine 1 thread " +
                "is often many times faster than 2.",
        };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
                result.AddError("--threads must be a positive whole number.");
        });
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();

        var command = new Command("reproduce",
            "Reproduce one of the paper's 2D experiments: train every arm for every seed and write results.json, PNG figures and report.md.")
        {
            experiment, seeds, quick, output, threads, device, libtorch,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string name = parse.GetValue(experiment)!;
            var settings = new ReproductionSettings(parse.GetValue(seeds), parse.GetValue(quick));
            settings.Validate();
            var folder = parse.GetValue(output) ?? $"precondflow-{name}";
            var dev = DeviceSelection.Resolve(parse.GetValue(device)!, parse.GetValue(libtorch));
            if (parse.GetValue(threads) is { } count)
                TorchSharp.torch.set_num_threads(count);
            var results = ProgressDisplay.Run(stages =>
                TwoDReproduction.RunAndWrite(name, settings, dev, folder, new StageProgress(stages)));

            foreach (var result in results)
            {
                var table = new Table().Title(Markup.Escape(result.Title)).AddColumn("arm");
                foreach (var metric in result.Metrics)
                    table.AddColumn(Markup.Escape(metric.Label));
                table.AddColumn("training s");
                foreach (var arm in result.Arms)
                    table.AddRow(new[] { Markup.Escape(arm.Label) }
                        .Concat(result.Metrics.Select(m => arm.Summary(m.Key).ToString()))
                        .Append(arm.Time(t => t.TotalSeconds).ToString()).ToArray());
                AnsiConsole.Write(table);
                AnsiConsole.WriteLine(ExperimentReport.Paragraph(result));
                AnsiConsole.WriteLine();
            }
            AnsiConsole.MarkupLine($"report in [bold]{Markup.Escape(Path.Combine(folder, ExperimentReport.ReportFile))}[/] " +
                $"({results.Sum(r => r.WallSeconds):F0} s)");
            return 0;
        }));
        return command;
    }

    /// <summary>Shows each arm of an experiment as a progress bar.</summary>
    private sealed class StageProgress(ProgressDisplay.Stages stages) : IExperimentProgress
    {
        public IProgress<(double Done, string Status)> AddStage(string name, double total) => stages.Add(name, total);
    }
}
