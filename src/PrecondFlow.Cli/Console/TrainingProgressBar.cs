using PrecondFlow.Training;

namespace PrecondFlow.Cli.Console;

/// <summary>Shows training progress on a progress-bar stage.</summary>
internal sealed class TrainingProgressBar : IProgress<TrainingProgress>
{
    private readonly IProgress<(double Done, string Status)> stage;

    public TrainingProgressBar(IProgress<(double Done, string Status)> stage) => this.stage = stage;

    public void Report(TrainingProgress value) => stage.Report((value.Step, $"loss {value.Loss:G4}"));
}
