using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Data;
using PrecondFlow.Devices;
using PrecondFlow.Distributed;
using PrecondFlow.Images;
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
        var output = new Option<string>("--out")
        {
            Description = "Where to write the samples: a .csv or .npy file (labels go along for conditional models); a model of images writes a .npy of shape (n, C, H, W).",
            Required = true,
        };
        var png = new Option<string?>("--png")
        {
            Description = "Also draw the samples into this PNG: for a model of images a grid (one row of up to 10 per class for a conditional model " +
                "without --class, else the first 100, 10 per row), otherwise a scatter plot of the first two coordinates.",
        };
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
        var distributed = new DistributedLaunch();

        var command = new Command("sample", "Draw samples from a trained model folder: z ~ N(0, I), the main flow's ODE (or reverse SDE) to t = 1, then the inverse preconditioner. " +
            "Under mpiexec with a fixed-step solver each process integrates its share of the samples (the result is that of one process); rank 0 writes.");
        foreach (var option in new Option[] { modelFolder, count, output, png, label, from, noEma, device, libtorch, seed })
            command.Options.Add(option);
        sampling.AddTo(command);
        distributed.AddTo(command);

        command.SetAction(parse => distributed.Run(parse, communicator =>
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

            // Under MPI each process integrates its contiguous rows, from the base noise drawn whole and sliced, when every
            // row's path is its own (a fixed-step ODE solver); then the rows equal one process's. Otherwise rank 0 alone samples.
            bool writes = communicator.Rank == 0;
            bool shared = communicator.WorldSize > 1 && options.RowsAreIndependent && n >= communicator.WorldSize;
            if (communicator.WorldSize > 1 && !shared && writes)
                System.Console.Error.WriteLine($"note: rank 0 samples alone: {(options.RowsAreIndependent ? "fewer samples than processes" : $"{(options.Method == SamplingMethod.Ode ? options.Solver : "the reverse SDE")} couples the samples of a batch (a fixed-step --solver shares them)")}.");
            if (!shared && !writes)
                return 0;
            var rows = shared ? RowSlice.Of(n, communicator.Rank, communicator.WorldSize) : (RowSlice?)null;
            Tensor? Mine(Tensor? all) => all is null || rows is not { } r ? all : all.narrow(0, r.Start, r.Length);
            var result = ProgressDisplay.Run(stages =>
            {
                var stage = stages.Add("sampling", 1);
                var r = start is null
                    ? model.Sample(n, options, parse.GetValue(seed), dev, Mine(labels), rows)
                    : model.SampleFrom(Mine(start.Points)!, options, Mine(labels));
                stage.Report((1, $"{r.FunctionEvaluations} evaluations"));
                return r;
            }, visible: writes);
            var points = shared ? RowGather.AllGather(communicator, result.Points) : result.Points.cpu();
            if (!writes)
                return 0;
            var cloud = new PointCloud(points, labels?.cpu(), classes) { ImageShape = model.Spec.Field.ImageShape };
            PointCloudFiles.Write(outFile, cloud);
            if (parse.GetValue(png) is { } picture && cloud.ImageShape is not null)
                SampleGrid.WritePng(picture, cloud, TrainingClassNames(parse.GetValue(modelFolder)!));
            else if (parse.GetValue(png) is { } scatter)
                Charts.Scatter(scatter, "Samples", new[] { PointSeries.FromPoints("samples", cloud.Points) });
            AnsiConsole.MarkupLine($"wrote {n} samples to [bold]{Markup.Escape(outFile)}[/] ({result.FunctionEvaluations} function evaluations)");
            return 0;
        }));
        return command;
    }

    /// <summary>The class names of the training data as the model folder's run.json records them (data.classes), else null.</summary>
    private static IReadOnlyList<string>? TrainingClassNames(string modelFolder)
    {
        var path = Path.Combine(modelFolder, PreconditionedModel.RunFile);
        if (!File.Exists(path))
            return null;
        try
        {
            var run = JsonNode.Parse(File.ReadAllText(path));
            return run?["data"]?["classes"] is JsonArray classes ? classes.Select(c => c?.GetValue<string>() ?? "").ToArray() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null; // the names only label the grid's rows; the class numbers do as well
        }
    }
}
