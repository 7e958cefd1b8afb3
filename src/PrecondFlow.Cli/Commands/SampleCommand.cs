using System.CommandLine;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Data;
using PrecondFlow.Devices;
using PrecondFlow.Pipeline;
using PrecondFlow.Reporting;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow sample`: draw points from a trained model folder.</summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var modelFolder = new Option<string>("--model") { Description = "Model folder written by `train`.", Required = true };
        var count = CommonOptions.Positive("--count", "Number of samples.", 5000);
        var output = new Option<string>("--out") { Description = "Where to write the samples: a .csv or .npy file (labels go along for conditional models).", Required = true };
        var png = new Option<string?>("--png") { Description = "Also draw the first two coordinates of the samples into this PNG." };
        var label = new Option<int?>("--class") { Description = "Sample only this class (conditional models); default: every class equally often." };
        var from = new Option<string?>("--from")
        {
            Description = "Integrate these start points (a .csv or .npy point file, e.g. held-out source points of a model trained with --source) instead of " +
                "drawing z ~ N(0, I); writes their end points (--count is ignored; the file's labels are used by a conditional model).",
        };
        var noEma = new Option<bool>("--no-ema") { Description = "Use the trained weights even when the folder has EMA weights." };
        var sampling = new SamplingArguments();
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var seed = CommonOptions.Seed();

        var command = new Command("sample", "Draw samples from a trained model folder: z ~ N(0, I), the main flow's ODE (or reverse SDE) to t = 1, then the inverse preconditioner.");
        foreach (var option in new Option[] { modelFolder, count, output, png, label, from, noEma, device, libtorch, seed })
            command.Options.Add(option);
        sampling.AddTo(command);

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            var outFile = parse.GetValue(output)!;
            if (!PointCloudFiles.Extensions.Any(e => outFile.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"--out: '{outFile}' must end in {string.Join(" or ", PointCloudFiles.Extensions)}.");
            var options = sampling.Read(parse);
            using var model = PreconditionedModel.Load(parse.GetValue(modelFolder)!, dev, preferEma: !parse.GetValue(noEma));
            var start = parse.GetValue(from) is { } fromFile ? PointCloudFiles.Read(fromFile) : null;
            if (start is not null && start.Dim != model.Field.Dim)
                throw new ArgumentException(
                    $"--from '{parse.GetValue(from)}' has {start.Dim} dimensions but the model has {model.Field.Dim}.");
            long n = start?.Count ?? parse.GetValue(count);
            // Sampling moves every point at once: at least the state, the velocity, the next state and the output, in float32.
            MemoryBudget.Require("--count", n, 4.0 * n * model.Field.Dim * sizeof(float), dev);
            int classes = model.NumClasses;
            Tensor? labels = null;
            if (start is not null && classes > 0)
            {
                labels = start.Labels ?? throw new ArgumentException(
                    $"--from '{parse.GetValue(from)}': this model is conditional on {classes} classes; give the start points' labels (a 'label' column).");
                if (parse.GetValue(label) is not null)
                    throw new ArgumentException("--class cannot be combined with --from: the start points' own labels are used.");
            }
            else if (classes > 0)
            {
                var only = parse.GetValue(label);
                if (only is { } k && (k < 0 || k >= classes))
                    throw new ArgumentException($"--class {k}: this model knows classes 0 to {classes - 1}.");
                labels = only is { } c ? full(new[] { n }, (long)c, dtype: ScalarType.Int64) : Sampler.BalancedLabels(n, classes, CPU);
            }
            else if (parse.GetValue(label) is not null)
            {
                throw new ArgumentException("--class: this model is unconditional.");
            }

            var result = ProgressDisplay.Run(stages =>
            {
                var stage = stages.Add("sampling", 1);
                var r = start is null ? model.Sample(n, options, parse.GetValue(seed), dev, labels) : model.SampleFrom(start.Points, options, labels);
                stage.Report((1, $"{r.FunctionEvaluations} evaluations"));
                return r;
            });
            var cloud = new PointCloud(result.Points.cpu(), result.Labels?.cpu(), classes);
            PointCloudFiles.Write(outFile, cloud);
            if (parse.GetValue(png) is { } picture)
                Charts.Scatter(picture, "Samples", new[] { PointSeries.FromPoints("samples", cloud.Points) });
            AnsiConsole.MarkupLine($"wrote {n} samples to [bold]{Markup.Escape(outFile)}[/] ({result.FunctionEvaluations} function evaluations)");
            return 0;
        }));
        return command;
    }
}
