using System.CommandLine;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.IO;
using PrecondFlow.Metrics;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow eval`: distribution metrics between two point sets.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var samples = new Option<string>("--samples") { Description = "Point file (.csv or .npy) of the samples to judge.", Required = true };
        var reference = new Option<string>("--reference")
        {
            Description = $"Point file of the reference set, or a generated data set ({string.Join(", ", ToyDatasets.Names)}) drawn with --reference-count points and a seed of its own.",
            Required = true,
        };
        var referenceCount = CommonOptions.Positive("--reference-count", "Points drawn when --reference names a generated data set.", 5000);
        var projections = CommonOptions.Positive("--projections", "Random directions of the sliced Wasserstein distances.", 256);
        var maxSamples = CommonOptions.Positive("--max-samples", "At most this many points per set for MMD and energy distance (O(n²)).", 2000);
        var output = CommonOptions.Out("precondflow-eval");
        var seed = CommonOptions.Seed();
        var command = new Command("eval", "MMD², sliced Wasserstein (orders 1 and 2), energy distance and Fréchet distance between two point sets; writes metrics.json.")
        {
            samples, reference, referenceCount, projections, maxSamples, output, seed,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            long s = parse.GetValue(seed);
            var a = PointCloudFiles.Read(parse.GetValue(samples)!, TorchSharp.torch.ScalarType.Float64);
            var referenceName = parse.GetValue(reference)!;
            var b = DataArguments.IsFile(referenceName)
                ? PointCloudFiles.Read(referenceName, TorchSharp.torch.ScalarType.Float64)
                : ToyDatasets.Create(referenceName, parse.GetValue(referenceCount), s + 1_000_003, dtype: TorchSharp.torch.ScalarType.Float64);
            if (a.Dim != b.Dim)
                throw new ArgumentException($"The samples have {a.Dim} dimensions but the reference has {b.Dim}.");
            var options = new DistributionMetricsOptions { Projections = parse.GetValue(projections), MaxSamples = parse.GetValue(maxSamples) };
            var comparison = DistributionMetrics.Compare(a.Points, b.Points, s, options);
            var folder = parse.GetValue(output)!;
            AtomicFile.WriteFolder(folder, staging => DistributionMetrics.WriteJson(Path.Combine(staging, "metrics.json"), comparison));

            var table = new Table().AddColumns("metric", "value");
            table.AddRow("MMD²", $"{comparison.Mmd:E3}");
            table.AddRow("sliced Wasserstein-1", $"{comparison.SlicedWasserstein1:F4}");
            table.AddRow("sliced Wasserstein-2", $"{comparison.SlicedWasserstein2:F4}");
            table.AddRow("energy distance", $"{comparison.Energy:F4}");
            table.AddRow("Fréchet distance", $"{comparison.Frechet:F4}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"metrics in [bold]{Markup.Escape(Path.Combine(folder, "metrics.json"))}[/]");
            return 0;
        }));
        return command;
    }
}
