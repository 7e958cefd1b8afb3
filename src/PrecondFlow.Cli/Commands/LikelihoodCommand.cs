using System.CommandLine;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Devices;
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
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var seed = CommonOptions.Seed();
        var command = new Command("likelihood",
            "log p(x) = log N(F⁻¹(P(x))) + log|det ∂F⁻¹| + log|det ∂P/∂x| for each point (exact divergence up to 8 dimensions, Hutchinson's estimate with a standard error above), and bits per dimension.");
        command.Options.Add(modelFolder);
        data.AddTo(command);
        foreach (var option in new Option[] { probes, rtol, output, device, libtorch, seed })
            command.Options.Add(option);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            long s = parse.GetValue(seed);
            using var model = PreconditionedModel.Load(parse.GetValue(modelFolder)!, dev);
            var loaded = data.Load(parse, s);
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
                var r = model.LogLikelihood(points.Points.to(dev).to(model.Field.parameters().First().dtype), points.Labels?.to(dev),
                    new DormandPrinceSolver(new AdaptiveOptions(tolerance, tolerance)),
                    new LogDensityOptions(Probes: parse.GetValue(probes), Seed: s));
                stage.Report((1, ""));
                return r;
            });
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
                }));
            }
            return 0;
        }));
        return command;
    }
}
