using System.CommandLine;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Devices;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow train`: fit a flow-matching or score-matching model to a data set or point file.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataArguments();
        var model = new ModelArguments();
        var training = new TrainingArguments();
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("precondflow-model");
        var resume = new Option<string?>("--resume") { Description = "Continue the run saved in this model folder (its settings are used; data options must match)." };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Also save the model folder every this many steps (0 = only at the end), so that an interrupted run can be resumed.", DefaultValueFactory = _ => 0 };

        var command = new Command("train", "Train a flow-matching or score-matching model; the output folder reloads as a model (see `sample`).");
        data.AddTo(command);
        model.AddTo(command);
        training.AddTo(command);
        foreach (var option in new Option[] { device, libtorch, seed, output, resume, checkpointEvery })
            command.Options.Add(option);

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var dev = DeviceSelection.Resolve(parse.GetValue(device)!, parse.GetValue(libtorch));
            long s = parse.GetValue(seed);
            var folder = parse.GetValue(output)!;
            int every = parse.GetValue(checkpointEvery);
            if (every < 0)
                throw new ArgumentException($"--checkpoint-every must be 0 or positive; got {every}.");
            torch.manual_seed(s);
            var points = data.Load(parse, s);
            var resumeFrom = parse.GetValue(resume);
            using var trainer = resumeFrom is null
                ? NewTrainer(model.Read(parse, points.Dim, points.NumClasses), training.Read(parse, s), dev)
                : FlowTrainer.LoadCheckpoint(resumeFrom, dev);
            var run = new
            {
                command = "train",
                data = data.Describe(parse),
                seed = s,
                device = dev.ToString(),
                resumed_from_step = resumeFrom is null ? (int?)null : trainer.Step,
                model = trainer.Spec,
                training = trainer.Options,
                parameters = VectorFields.ParameterCount(trainer.Field),
                runtime = RuntimeInfo.Collect(dev),
            };

            ProgressDisplay.Run(stages =>
            {
                var bar = new TrainingProgressBar(stages.Add("training", trainer.Options.Steps));
                trainer.Train(points, progress: bar, callback: step =>
                {
                    if (every > 0 && step % every == 0 && step < trainer.Options.Steps)
                        ModelFolder.Write(folder, trainer, run);
                });
            });
            ModelFolder.Write(folder, trainer, run);

            var table = new Table().AddColumns("model folder", "steps", "final loss", "seconds", "parameters");
            table.AddRow(Markup.Escape(folder), trainer.Step.ToString(), $"{trainer.LossTrace[^1].Loss:G4}", $"{trainer.Seconds:F1}", run.parameters.ToString());
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static FlowTrainer NewTrainer(ModelSpec spec, TrainingOptions options, Device device)
    {
        var field = VectorFields.Create(spec.Field);
        field.to(device);
        return new FlowTrainer(field, spec, options);
    }
}
