using PrecondFlow.IO;

namespace PrecondFlow.Training;

/// <summary>
/// The folder a training run leaves: the checkpoint (which reloads as a model and can be resumed), the run's
/// configuration <c>run.json</c>, plus whatever <c>extra</c> adds (the command line adds the loss chart). Written atomically
/// as a whole.
/// </summary>
public static class ModelFolder
{
    /// <summary>The run's configuration file, next to the checkpoint's files.</summary>
    public const string RunFile = "run.json";

    /// <summary>Writes the checkpoint of <paramref name="trainer"/>, <see cref="RunFile"/> and the caller's extras into
    /// <paramref name="folder"/>, as one atomic replacement of the folder.</summary>
    /// <param name="folder">The output folder; an existing one is replaced.</param>
    /// <param name="trainer">The trainer whose state is saved.</param>
    /// <param name="runConfiguration">Serialized to <see cref="RunFile"/> with the project's JSON conventions.</param>
    /// <param name="extra">Writes more files into the staging folder it is given (e.g. a loss chart); null for none.</param>
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
