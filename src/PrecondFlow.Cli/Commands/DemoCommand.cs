using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Devices;
using PrecondFlow.Experiments;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow demo`: the first thing to run on a fresh machine.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("precondflow-demo");
        var steps = CommonOptions.Positive("--steps", "Optimizer steps.", new DemoOptions().Steps);

        var command = new Command("demo", "Train baseline flow matching on the Swiss roll, sample it, and write samples.png, loss.png and results.json.")
        {
            device, libtorch, seed, output, steps,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var dev = DeviceSelection.Resolve(parse.GetValue(device)!, parse.GetValue(libtorch));
            var options = new DemoOptions(Steps: parse.GetValue(steps), Seed: parse.GetValue(seed));
            var result = ProgressDisplay.Run(stages =>
                BaselineDemo.Run(options, dev, new TrainingProgressBar(stages.Add("flow matching", options.Steps))));
            var folder = parse.GetValue(output)!;
            DemoReport.Write(folder, result, RuntimeInfo.Collect(dev));

            var table = new Table().AddColumns("", "value");
            table.AddRow("training seconds", $"{result.TrainSeconds:F1}");
            table.AddRow("function evaluations", result.FunctionEvaluations.ToString());
            table.AddRow("sliced Wasserstein-2 to held-out data", $"{result.SlicedWasserstein:F4}");
            table.AddRow("MMD² to held-out data", $"{result.Mmd:E2}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"results in [bold]{Markup.Escape(folder)}[/]: samples.png, loss.png, flow-lines.png, results.json");
            return 0;
        }));
        return command;
    }
}
