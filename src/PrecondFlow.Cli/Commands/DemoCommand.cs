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
        var steps = CommonOptions.Positive("--steps", "Optimizer steps of each main flow.", new DemoOptions().Steps);
        var preconditioner = new Option<string>("--preconditioner")
        {
            Description = "The preconditioner compared with the baseline: whiten, realnvp, flow, or a chain such as whiten+flow.",
            DefaultValueFactory = _ => new DemoOptions().Preconditioner,
        };

        var command = new Command("demo", "Train flow matching on the Swiss roll without and with a preconditioner, sample both, and write samples.png, loss.png, results.json and report.md.")
        {
            device, libtorch, seed, output, steps, preconditioner,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            var options = new DemoOptions(Steps: parse.GetValue(steps), Seed: parse.GetValue(seed), Preconditioner: parse.GetValue(preconditioner)!);
            var result = ProgressDisplay.Run(stages =>
                BaselineDemo.Run(options, dev, (name, total) => new TrainingProgressBar(stages.Add(name, total))));
            var folder = parse.GetValue(output)!;
            DemoReport.Write(folder, result, ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch)));

            var table = new Table().AddColumns("preconditioner", "sliced W₂ to held-out data", "MMD²", "P seconds", "main-flow seconds", "NFE");
            foreach (var arm in result.Arms)
                table.AddRow(Markup.Escape(arm.Preconditioner), $"{arm.SlicedWasserstein:F4}", $"{arm.Mmd:E2}",
                    $"{arm.Times.PreconditionerSeconds + arm.Times.TransformSeconds:F1}", $"{arm.Times.MainFlowSeconds:F1}", arm.FunctionEvaluations.ToString());
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"results in [bold]{Markup.Escape(folder)}[/]: report.md, samples.png, loss.png, flow-lines.png, results.json");
            return 0;
        }));
        return command;
    }
}
