using System.CommandLine;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Devices;
using PrecondFlow.Distributed;
using PrecondFlow.IO;
using PrecondFlow.Pipeline;
using PrecondFlow.Solvers;
using Spectre.Console;
using static TorchSharp.torch;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow likelihood`: log p(x) and bits per dimension of points under a trained model.</summary>
internal static class LikelihoodCommand
{
    public static Command Create()
    {
        var modelFolder = new Option<string>("--model") { Description = "Model folder written by `train`.", Required = true };
        var data = new DataArguments();
        var probes = CommonOptions.Positive("--probes", "Hutchinson probe vectors per point when the divergence is estimated (above 8 dimensions).", 4);
        var rtol = CommonOptions.PositiveReal("--rtol", "Relative tolerance of the dopri5 solver of the divergence integral.", 1e-6);
        var output = new Option<string?>("--out") { Description = "Also write likelihood.json (summary and per-point log p) into this folder." };
        var chunkSize = CommonOptions.Positive("--chunk-size",
            "Points per batch of the divergence integral (its own adaptive steps; chunk c draws its probes from --seed + c): bounds the " +
            "memory, and under mpiexec the processes share the chunks, so the numbers depend on it but not on the number of processes.",
            ChunkedLikelihood.DefaultChunkSize);
        var distributed = new DistributedLaunch();
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var seed = CommonOptions.Seed();
        var command = new Command("likelihood",
            "log p(x) = log N(F⁻¹(P(x))) + log|det ∂F⁻¹| + log|det ∂P/∂x| for each point (exact divergence up to 8 dimensions, Hutchinson's estimate with a standard error above), and bits per dimension. " +
            "Under mpiexec each process integrates its share of the chunks of points; rank 0 writes.");
        command.Options.Add(modelFolder);
        data.AddTo(command);
        foreach (var option in new Option[] { probes, rtol, chunkSize, output, device, libtorch, seed })
            command.Options.Add(option);
        distributed.AddTo(command);
        command.SetAction(parse => distributed.Run(parse, communicator =>
        {
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            long s = parse.GetValue(seed);
            using var model = PreconditionedModel.Load(parse.GetValue(modelFolder)!, dev);
            bool writes = communicator.Rank == 0;
            var loaded = data.Load(parse, s);
            if (writes)
                loaded.ReportNotes();
            var points = loaded.Points;
            if (points.Dim != model.Field.Dim)
                throw new ArgumentException($"The data have {points.Dim} dimensions but the model {model.Field.Dim}.");
            if (model.NumClasses > 0 && points.Labels is null)
                throw new ArgumentException("This model is label-conditional: the data need labels.");
            double tolerance = parse.GetValue(rtol);
            var result = ProgressDisplay.Run(stages =>
            {
                var stage = stages.Add("likelihood", 1);
                var chunks = new ChunkProgress(stage);
                var r = ChunkedLikelihood.Compute(model, points.Points.to(dev).to(model.Field.parameters().First().dtype), points.Labels?.to(dev),
                    new DormandPrinceSolver(new AdaptiveOptions(tolerance, tolerance)),
                    new LogDensityOptions(Probes: parse.GetValue(probes), Seed: s), parse.GetValue(chunkSize), communicator, chunks);
                stage.Report((1, ""));
                return r;
            }, visible: writes);
            if (!writes)
                return 0;
            var table = new Table().AddColumns("points", "mean log p(x) (nats)", "± standard error", "bits per dimension", "estimator");
            table.AddRow(points.Count.ToString(), $"{result.MeanLogDensity:F4}", $"{result.MeanStandardError:G3}", $"{result.BitsPerDimension:F4}",
                result.Exact ? "exact divergence" : "Hutchinson");
            AnsiConsole.Write(table);
            if (parse.GetValue(output) is { } folder)
            {
                AtomicFile.WriteFolder(folder, staging => Json.WriteFile(Path.Combine(staging, "likelihood.json"), new
                {
                    count = points.Count,
                    mean_log_density = result.MeanLogDensity,
                    mean_standard_error = result.MeanStandardError,
                    bits_per_dimension = result.BitsPerDimension,
                    exact = result.Exact,
                    log_density = result.LogDensity.cpu().to(float64).data<double>().ToArray(),
                    data = loaded.Description,
                    seed = s,
                    chunk_size = parse.GetValue(chunkSize),
                    processes = communicator.WorldSize,
                }));
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Shows this process's chunks done on the likelihood's progress bar.</summary>
    private sealed class ChunkProgress(IProgress<(double Done, string Status)> stage) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) =>
            stage.Report(((double)value.Done / Math.Max(1, value.Total), $"chunk {value.Done} of {value.Total}"));
    }
}
