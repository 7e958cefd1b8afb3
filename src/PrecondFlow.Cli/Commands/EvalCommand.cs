using System.CommandLine;
using System.Globalization;
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
            Description = $"Point file of the reference set, a generated data set ({string.Join(", ", ToyDatasets.Names)}) drawn with --reference-count points and a seed of its own, " +
                "an image data set (fashion-mnist, mnist: its training images in [−1, 1]) or a folder of images with one sub-folder per class (see --image-size, --image-channels). " +
                "For swiss-roll and moons the distances of the samples to the generating curve are reported too.",
            Required = true,
        };
        var referenceCount = CommonOptions.Positive("--reference-count", "Points drawn when --reference names a generated data set.", 5000);
        var projections = CommonOptions.Positive("--projections", "Random directions of the sliced Wasserstein distances.", 256);
        var maxSamples = CommonOptions.Positive("--max-samples", "At most this many points per set for MMD and energy distance (O(n²)).", 2000);
        var knnK = CommonOptions.Positive("--knn-k", "k of precision, recall, density and coverage: a point's ball reaches its k-th nearest neighbour.", PrecisionRecall.DefaultK);
        var mmdBandwidths = new Option<string?>("--mmd-bandwidths")
        {
            Description = "Fixed Gaussian-kernel bandwidths in data units, comma-separated (e.g. 0.1,0.5,2): MMD² at each, on one scale across runs. " +
                "Default: none (only the median-heuristic MMD²).",
        };
        var images = new ImageDataArguments();
        var output = CommonOptions.Out("precondflow-eval");
        var seed = CommonOptions.Seed();
        var command = new Command("eval",
            "Compares samples with a reference set and writes metrics.json: MMD², sliced Wasserstein (orders 1 and 2), energy and Fréchet " +
            "distances in data units and in the reference's whitened coordinates; MMD² at fixed bandwidths; precision, recall, density and " +
            "coverage; the ratios of the covariance spectra; the distance to the generating curve of swiss-roll and moons.")
        {
            samples, reference, referenceCount, projections, maxSamples, knnK, mmdBandwidths, output, seed,
        };
        images.AddTo(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            long s = parse.GetValue(seed);
            var bandwidths = ParseBandwidths(parse.GetValue(mmdBandwidths));
            var a = PointCloudFiles.Read(parse.GetValue(samples)!, TorchSharp.torch.ScalarType.Float64);
            var referenceName = parse.GetValue(reference)!;
            var referenceImages = images.TryLoad(parse, referenceName);
            referenceImages?.ReportNotes();
            var dataset = referenceImages is not null || DataArguments.IsFile(referenceName) ? null : ToyDatasets.FromName(referenceName);
            var b = referenceImages is { Points: var pixels }
                ? pixels with { Points = pixels.Points.to(TorchSharp.torch.ScalarType.Float64) }
                : dataset is null
                ? PointCloudFiles.Read(referenceName, TorchSharp.torch.ScalarType.Float64)
                : dataset.Sample(parse.GetValue(referenceCount), s + 1_000_003, TorchSharp.torch.ScalarType.Float64);
            if (a.Dim != b.Dim)
                throw new ArgumentException($"The samples have {a.Dim} dimensions but the reference has {b.Dim}.");
            var k = parse.GetValue(knnK);
            if (k >= Math.Min(a.Count, b.Count))
                throw new ArgumentException($"--knn-k {k} needs more than {k} points in each set; the samples have {a.Count}, the reference {b.Count}.");
            var options = new SampleQualityOptions
            {
                Distances = new DistributionMetricsOptions { Projections = parse.GetValue(projections), MaxSamples = parse.GetValue(maxSamples) },
                MmdBandwidths = bandwidths,
            };
            using var prepared = ReferenceSet.Prepare(b.Points, b.Labels, k, dataset as IHasGeneratingCurve);
            var quality = SampleQualityMetrics.Evaluate(prepared, a.Points, a.Labels, s, options);
            var folder = parse.GetValue(output)!;
            AtomicFile.WriteFolder(folder, staging => SampleQualityMetrics.WriteJson(Path.Combine(staging, "metrics.json"), quality));
            AnsiConsole.Write(Table(quality));
            AnsiConsole.MarkupLine($"metrics in [bold]{Markup.Escape(Path.Combine(folder, "metrics.json"))}[/]");
            return 0;
        }));
        return command;
    }

    /// <summary>The metrics as rows: one column in data units, one in the reference's whitened coordinates.</summary>
    private static Table Table(SampleQuality quality)
    {
        static string Value(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
        var table = new Table().AddColumns("metric", "data units", "whitened");
        table.AddRow("MMD² (median bandwidth)", Value(quality.Mmd, "E3"), Value(quality.WhitenedMmd, "E3"));
        table.AddRow("sliced Wasserstein-1", Value(quality.SlicedWasserstein1, "F4"), Value(quality.WhitenedSlicedWasserstein1, "F4"));
        table.AddRow("sliced Wasserstein-2", Value(quality.SlicedWasserstein2, "F4"), Value(quality.WhitenedSlicedWasserstein2, "F4"));
        table.AddRow("energy distance", Value(quality.Energy, "F4"), Value(quality.WhitenedEnergy, "F4"));
        table.AddRow("Fréchet distance", Value(quality.Frechet, "F4"), Value(quality.WhitenedFrechet, "F4"));
        if (quality.FixedMmd is { } fixedMmd)
            for (var i = 0; i < fixedMmd.Bandwidths.Count; i++)
                table.AddRow($"MMD² (bandwidth {fixedMmd.Bandwidths[i].ToString("G4", CultureInfo.InvariantCulture)})", Value(fixedMmd.Values[i], "E3"), "");
        table.AddRow($"precision (k = {quality.KnnK})", Value(quality.Precision, "F4"), "");
        table.AddRow($"recall (k = {quality.KnnK})", Value(quality.Recall, "F4"), "");
        table.AddRow("density", Value(quality.Density, "F4"), "");
        table.AddRow("coverage", Value(quality.Coverage, "F4"), "");
        table.AddRow("λ_min ratio (samples / reference)", Value(quality.SpectrumMinRatio, "G4"), "");
        table.AddRow("λ_max ratio (samples / reference)", Value(quality.SpectrumMaxRatio, "G4"), "");
        table.AddRow("generalized eigenvalues (min, max)", "", $"{Value(quality.SpectrumGeneralizedMin, "G4")}, {Value(quality.SpectrumGeneralizedMax, "G4")}");
        if (quality.Curve is { } curve)
        {
            table.AddRow("distance to curve: mean", Value(curve.Mean, "F4"), "");
            table.AddRow("distance to curve: 99th percentile", Value(curve.Percentile99, "F4"), "");
            table.AddRow($"share beyond 3σ = {Value(3 * curve.Noise, "G3")}", Value(curve.ShareBeyondThreeSigma, "F4"), "");
        }
        return table;
    }

    /// <summary>Parses "0.1,0.5,2" into positive finite bandwidths; null or blank gives none.</summary>
    private static double[] ParseBandwidths(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] > 0) || !double.IsFinite(values[i]))
                throw new ArgumentException($"--mmd-bandwidths: '{parts[i]}' is not a positive bandwidth; give data-unit bandwidths like 0.1,0.5,2.");
        }
        if (values.Length == 0)
            throw new ArgumentException($"--mmd-bandwidths: no bandwidth in '{text}'; give data-unit bandwidths like 0.1,0.5,2.");
        return values;
    }
}
