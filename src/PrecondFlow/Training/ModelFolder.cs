using PrecondFlow.IO;

namespace PrecondFlow.Training;

/// <summary>
/// The folder a training run leaves: the checkpoint (which reloads as a model and can be resumed), the run's
/// configuration <c>run.json</c>, plus whatever <c>extra</c> adds (the command line adds the loss chart). Written atomically
/// as a whole.
/// </summary>
public static class ModelFolder
{
    public const string RunFile = "run.json";

    public static void Write(string folder, FlowTrainer trainer, object runConfiguration, Action<string>? extra = null)
    {
        AtomicFile.WriteFolder(folder, staging =>
        {
            Checkpoint.WriteInto(staging, trainer);
            Json.WriteFile(Path.Combine(staging, RunFile), runConfiguration);
            extra?.Invoke(staging);
        });
    }
}
