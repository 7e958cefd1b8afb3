using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Devices;
using PrecondFlow.Experiments;
using PrecondFlow.Experiments.TwoD;
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
        var steps = CommonOptions.Positive("--steps", "Main-flow steps of each arm.", new DemoOptions().Steps);
        var preconditioner = new Option<string>("--preconditioner")
        {
            Description = "The preconditioner compared with the baseline: whiten, realnvp, flow, or a chain such as whiten+flow.",
            DefaultValueFactory = _ => new DemoOptions().Preconditioner,
        };

        var command = new Command("demo",
            "Train flow matching on an elongated Gaussian (κ = 10⁴) without and with a preconditioner at a constant learning rate, " +
            "then on a κ = 10² one, and write report.md, kappa.png, spectrum.png, samples.png and results.json.")
        {
            device, libtorch, seed, output, steps, preconditioner,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            var defaults = new DemoOptions();
            int stepCount = parse.GetValue(steps);
            var options = defaults with
            {
                Steps = stepCount,
                // About six log-spaced evaluations whatever the budget: 125, 250, …, 4000 at the default.
                FirstEvaluation = Math.Clamp(stepCount / 32, 1, defaults.FirstEvaluation),
                Seed = parse.GetValue(seed),
                Preconditioner = parse.GetValue(preconditioner)!,
            };
            var folder = parse.GetValue(output)!;
            string line = $"{PrecondFlowCommand.Name} {string.Join(" ", parse.Tokens.Select(t => t.Value))}";
            var result = ProgressDisplay.Run(stages =>
            {
                var demo = BaselineDemo.Run(options, dev, new StageProgress(stages));
                DemoReport.Write(folder, demo, line, ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch)));
                return demo;
            });

            var table = new Table().AddColumns("target", "arm", "λ_min ratio (ideal 1), mean", "seeds' range", "whitened SW₂");
            foreach (var target in new[] { result.Main, result.Contrast })
                foreach (var arm in target.Study.Arms)
                {
                    var (mean, min, max) = DemoReport.Final(arm);
                    var (sw, _, _) = DemoReport.Final(arm, "whitened_sliced_wasserstein");
                    table.AddRow($"κ = {target.Kappa:G6}", Markup.Escape(arm.Name), $"{mean:F2}", $"{min:F2}–{max:F2}", $"{sw:F3}");
                }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"results in [bold]{Markup.Escape(folder)}[/]: report.md, kappa.png, spectrum.png, samples.png, results.json ({result.WallSeconds:F0} s)");
            return 0;
        }));
        return command;
    }

    /// <summary>Shows each study's stages as progress bars with an ETA.</summary>
    private sealed class StageProgress(ProgressDisplay.Stages stages) : IExperimentProgress
    {
        public IProgress<(double Done, string Status)> AddStage(string name, double total) => stages.Add(name, total);
    }
}
