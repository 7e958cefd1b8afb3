using System.CommandLine;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Devices;
using PrecondFlow.Diagnostics;
using PrecondFlow.Distributed;
using PrecondFlow.Fields;
using PrecondFlow.Paths;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Reporting;
using PrecondFlow.Reporting.TensorBoard;
using PrecondFlow.Training;
using Spectre.Console;
using TorchSharp;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow train`: fit a preconditioner and a flow-matching or score-matching model on P(x).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataArguments();
        var model = new ModelArguments();
        var training = new TrainingArguments();
        var preconditioner = new PreconditionerArguments();
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("precondflow-model");
        var resume = new Option<string?>("--resume") { Description = "Continue the run saved in this model folder (its settings and preconditioner are used; give the same data)." };
        var source = new Option<string?>("--source")
        {
            Description = "Start the main flow from this data set instead of N(0, I): a named generated set (drawn with --count, --noise, --kappa, --angle and seed + 1) " +
                "or a point file. Its points enter the main flow as they are (the preconditioner maps the target only). When both sets have labels, " +
                "x₀ and x₁ are paired within classes. Sample the result with `sample --from`. Flow matching only.",
        };
        var init = new Option<string?>("--init")
        {
            Description = "Start the main flow from the weights of a safetensors file written by `export` (its field.* tensors); the network's " +
                "configuration (--field, --hidden, --activation, encodings) is then the file's, and must fit the data's dimension and classes.",
        };
        var tensorboard = new Option<string?>("--tensorboard")
        {
            Description = "Also log the training curves into this TensorBoard folder (`tensorboard --logdir DIR`): the main flow's loss, " +
                "learning rate and gradient norm per --log-every window, a learned preconditioner's loss, and after training κ(Cov x_t) of P(x) " +
                "at t = 0.25, 0.5, 0.75, 1 (kappa/t=...) with the eigenvalues as histograms (eigenvalues/t=...).",
        };
        var distributed = new DistributedLaunch();
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Also save the model folder every this many steps (0 = only at the end), so that an interrupted run can be resumed.", DefaultValueFactory = _ => 0 };

        var command = new Command("train",
            "Fit a preconditioner P, then train a flow-matching or score-matching model from N(0, I) to P(x). The output folder holds both stages and reloads as one model (see `sample`, `likelihood`).");
        data.AddTo(command);
        preconditioner.AddTo(command);
        model.AddTo(command);
        training.AddTo(command);
        foreach (var option in new Option[] { source, device, libtorch, seed, output, resume, init, tensorboard, checkpointEvery })
            command.Options.Add(option);
        distributed.AddTo(command);

        command.SetAction(parse => distributed.Run(parse, communicator => Train(parse, communicator)));
        return command;

        int Train(ParseResult parse, ICommunicator communicator)
        {
            // One process or many: under MPI every rank trains on its rows of each global minibatch, rank 0 alone writes.
            var parallel = communicator.WorldSize > 1 ? new DataParallel(communicator) : null;
            bool writes = communicator.Rank == 0;
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            long s = parse.GetValue(seed);
            var folder = parse.GetValue(output)!;
            int every = parse.GetValue(checkpointEvery);
            if (every < 0)
                throw new ArgumentException($"--checkpoint-every must be 0 or positive; got {every}.");
            var loaded = data.Load(parse, s);
            var points = loaded.Points;
            if (writes)
                loaded.ReportNotes();
            var sourceName = parse.GetValue(source);
            // A different seed, so that --source with the --data set's own name draws other points.
            var sourceData = sourceName is null ? null : data.Load(parse, sourceName, unchecked(s + 1));
            var sourcePoints = sourceData?.Points;
            if (sourcePoints is not null && sourcePoints.Dim != points.Dim)
                throw new ArgumentException(
                    $"--source '{sourceName}' has {sourcePoints.Dim} dimensions but --data has {points.Dim}; the flow needs the same dimension on both sides.");
            var resumeFrom = parse.GetValue(resume);
            var initFrom = parse.GetValue(init);
            if (initFrom is not null && resumeFrom is not null)
                throw new ArgumentException("--init cannot be combined with --resume: a resumed run continues from its own weights.");
            var spec = resumeFrom is null ? model.Read(parse, points.Dim, points.NumClasses, points.ImageShape) : Checkpoint.ReadManifest(resumeFrom).Model;
            using var initial = initFrom is null ? null : InitialField(initFrom, points, spec);
            if (initial is not null)
                spec = spec with { Field = VectorFields.ConfigOf(initial) };
            var options = resumeFrom is null ? training.Read(parse, s) : Checkpoint.ReadManifest(resumeFrom).Training;
            // A step holds at least x0, x1, x_t, the target, the output and its gradient, each (batch, dim) in float32.
            MemoryBudget.Require("--batch-size", options.BatchSize, 6.0 * options.BatchSize * points.Dim * sizeof(float), dev);
            var preconditionerSpec = parse.GetValue(preconditioner.Spec)!;
            if (resumeFrom is null)
                preconditioner.CheckClassSizes(parse, preconditionerSpec, loaded);
            object Run(PreconditionedModel m) => new
            {
                command = "train",
                data = loaded.Description,
                source = sourceData?.Description,
                seed = s,
                device = dev.ToString(),
                preconditioner = resumeFrom is null ? preconditionerSpec : m.Preconditioner.Name,
                preconditioner_settings = m.Preconditioner.Describe(),
                resumed_from = resumeFrom is null ? null : Path.GetFileName(Path.GetFullPath(resumeFrom).TrimEnd('/')),
                model = spec,
                training = options,
                parameters = VectorFields.ParameterCount(m.Field),
                stage_seconds = m.Times,
                runtime = ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch)),
                // A run of N processes trains the model of one process with the same global batch (to float32 rounding):
                // recorded so that a result can be reproduced, never compared on resume.
                processes = communicator.WorldSize,
                communicator = communicator.Library,
            };
            void SaveCheckpoint(PreconditionedModel m, int step)
            {
                if (writes && every > 0 && step % every == 0 && step < options.Steps)
                    m.Save(folder, Run(m), staging => WriteLossChart(m, staging));
            }

            var log = writes && parse.GetValue(tensorboard) is { } logFolder ? new TensorBoardLog(logFolder) : null;
            using var trained = ProgressDisplay.Run(stages =>
            {
                var main = new ProgressFanOut<TrainingProgress>(new TrainingProgressBar(stages.Add("main flow", options.Steps)), log);
                if (resumeFrom is not null)
                    return PreconditionedModel.Resume(resumeFrom, points, dev, main, SaveCheckpoint, sourcePoints, parallel);
                var p = preconditioner.Create(parse, preconditionerSpec, points.Dim, points.NumClasses, conditional: spec.Field.IsConditionalOn(points),
                    points.ImageShape, spec.Field);
                var stage = stages.Add($"preconditioner {preconditionerSpec}", 1);
                var fitProgress = new ProgressFanOut<PreconditionerProgress>(
                    new Progress<PreconditionerProgress>(r => stage.Report(((double)r.Step / Math.Max(1, r.TotalSteps), $"{r.Name} loss {r.Loss:G4}"))),
                    log?.Preconditioner);
                using var generator = new torch.Generator(unchecked((ulong)s));
                // Initial weights from --seed alone, or from --init.
                var field = initial ?? VectorFields.Create(spec.Field, generator);
                field.to(dev);
                return PreconditionedModel.Train(points, p, field, spec, options, fitProgress, main, SaveCheckpoint, sourcePoints, parallel);
            }, visible: writes);
            if (!writes)
                return 0;
            trained.Save(folder, Run(trained), staging => WriteLossChart(trained, staging));
            if (log is not null && sourcePoints is null)
                LogConditioning(log, trained, points, spec, s);

            var table = new Table().AddColumns("model folder", "preconditioner", "steps", "final loss", "P seconds", "main-flow seconds");
            table.AddRow(Markup.Escape(folder), Markup.Escape(resumeFrom is null ? preconditionerSpec : trained.Preconditioner.Name), trained.Trainer!.Step.ToString(),
                $"{trained.Trainer.LossTrace[^1].Loss:G4}", $"{trained.Times.PreconditionerSeconds:F1}", $"{trained.Times.MainFlowSeconds:F1}");
            AnsiConsole.Write(table);
            if (parallel is { Reductions: > 0 })
                System.Console.Error.WriteLine(
                    $"data-parallel: {communicator.WorldSize} processes over {communicator.Library}; gradient all-reduce " +
                    $"{1000 * parallel.CommunicationSeconds / parallel.Reductions:F2} ms per step on rank 0 (copies included).");
            return 0;
        }
    }

    /// <summary>The main flow's network with the weights of an exported file, checked against the data.</summary>
    private static VectorField InitialField(string file, Data.PointCloud points, ModelSpec spec)
    {
        var (field, _) = Interop.SafeTensorsModel.LoadField(file);
        var config = VectorFields.ConfigOf(field);
        int classes = spec.Field.NumClasses;
        if (config.Dim != points.Dim || config.NumClasses != classes)
        {
            field.Dispose();
            throw new ArgumentException(
                $"--init '{file}': the network is for dimension {config.Dim} with {config.NumClasses} classes, but this run trains " +
                $"dimension {points.Dim} with {classes} classes.");
        }
        return field;
    }

    /// <summary>κ(Cov x_t) of the points the main flow was trained on, P(x) (per class too when labelled), at
    /// <see cref="TensorBoardLog.KappaTimes"/>, logged at the last step: what the preconditioner left for the main flow.</summary>
    private static void LogConditioning(TensorBoardLog log, PreconditionedModel trained, Data.PointCloud points, ModelSpec spec, long seed)
    {
        using var scope = torch.NewDisposeScope();
        var z = PreconditionedModel.Transform(trained.Preconditioner, points);
        var profile = ConditioningAnalysis.Sampled(z, AffinePath.FromName(spec.Path), seed, TensorBoardLog.KappaTimes);
        log.Conditioning(profile, trained.Trainer!.Step);
    }

    /// <summary>The main flow's loss curve as <c>loss.png</c> of the model folder being written.</summary>
    private static void WriteLossChart(PreconditionedModel model, string staging) =>
        LossChart.Write(Path.Combine(staging, LossChart.File), ("main flow", model.Trainer!.LossTrace));

    private static bool IsConditionalOn(this FieldConfig config, Data.PointCloud data) => config.NumClasses > 0 && data.HasLabels;
}
