using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.IO;
using PrecondFlow.Theory;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow theory`: the Gaussian theory of SPEC §3–4 (Theorem 4.1, κ(t), Figure 6), runnable.</summary>
internal static class TheoryCommand
{
    public static Command Create()
    {
        var output = CommonOptions.Out("precondflow-theory");
        var seed = CommonOptions.Seed();
        var epsilon = CommonOptions.PositiveReal("--epsilon", "Relative error at which gradient-descent steps are counted.", 1e-6);
        var dim = CommonOptions.Positive("--dim", "Input dimension of the least-squares problems.", 8);
        var command = new Command("theory",
            "Gradient descent on ½‖WX − Y‖² at κ ∈ {1, 10, 100, 1000}, with and without M = Σ^(−1/2); κ(t) of eq. 15; per-direction GD/SGD errors. Writes theory.json and PNGs.")
        {
            output, seed, epsilon, dim,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new TheoryOptions { Epsilon = parse.GetValue(epsilon), Dim = parse.GetValue(dim), Seed = parse.GetValue(seed) };
            var result = ProgressDisplay.Run(stages =>
            {
                var stage = stages.Add("theory", 1);
                var r = TheoryExperiment.Run(options);
                stage.Report((1, ""));
                return r;
            });
            var folder = parse.GetValue(output)!;
            AtomicFile.WriteFolder(folder, staging => TheoryReport.Write(staging, result));

            var table = new Table().AddColumns("κ(Σ)", "GD steps, plain", "κ·ln(1/ε)", "GD steps, with Σ^(−1/2)");
            foreach (var run in result.Runs)
                table.AddRow($"{run.Kappa:G4}", run.StepsPlain.ToString(), $"{run.PredictedSteps:F0}", run.StepsPreconditioned.ToString());
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"results in [bold]{Markup.Escape(folder)}[/]: theory.json, kappa_t.png, gd_modes.png, sgd_modes.png, steps.png");
            return 0;
        }));
        return command;
    }
}
