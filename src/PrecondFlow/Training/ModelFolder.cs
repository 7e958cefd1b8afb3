using PrecondFlow.IO;
using PrecondFlow.Reporting;

namespace PrecondFlow.Training;

/// <summary>
/// The folder a training run leaves: the checkpoint (which reloads as a model and can be resumed), the run's
/// configuration <c>run.json</c> and the loss curve <c>loss.png</c>. Written atomically as a whole.
/// </summary>
public static class ModelFolder
{
    public const string RunFile = "run.json";
    public const string LossChart = "loss.png";

    public static void Write(string folder, FlowTrainer trainer, object runConfiguration, Action<string>? extra = null)
    {
        AtomicFile.WriteFolder(folder, staging =>
        {
            Checkpoint.WriteInto(staging, trainer);
            Json.WriteFile(Path.Combine(staging, RunFile), runConfiguration);
            WriteLossChart(Path.Combine(staging, LossChart), ("training loss", trainer.LossTrace));
            extra?.Invoke(staging);
        });
    }

    /// <summary>Loss against step for one or more runs, log-scaled.</summary>
    public static void WriteLossChart(string path, params (string Name, IReadOnlyList<LossPoint> Trace)[] runs) =>
        Charts.Lines(path, "Training loss", "step", "loss (mean over the logging window)",
            runs.Select(r => new Series(r.Name, r.Trace.Select(p => (double)p.Step).ToArray(), r.Trace.Select(p => p.Loss).ToArray())),
            logY: true);
}
