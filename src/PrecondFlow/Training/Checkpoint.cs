using System.Text.Json;
using System.Text.Json.Nodes;
using PrecondFlow.Fields;
using TorchSharp;
using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// A trained or part-trained model on disk, in the folder format of <see cref="FolderManifest"/>: <c>model.json</c>
/// (kind "checkpoint"; settings: the model spec and the training options; state: step, seconds, loss trace,
/// random-number state; the SHA-256 of each weights file), <c>field.bin</c>, <c>ema.bin</c> when there is an EMA, and
/// <c>optimizer.bin</c>. The folder is written atomically, so an interrupted save never leaves a half-written checkpoint;
/// loading checks every weights file against its checksum. Folders of format version 1 (PrecondFlow 0.1.0), which
/// predate the checksums, still load.
/// </summary>
public static class Checkpoint
{
    /// <summary>The folder format version this class writes (<see cref="FolderManifest.CurrentVersion"/>).</summary>
    public const int FormatVersion = FolderManifest.CurrentVersion;
    /// <summary>The kind recorded in <see cref="ManifestFile"/>: "checkpoint".</summary>
    public const string Kind = "checkpoint";
    /// <summary>The manifest: settings, state and the checksums of the weights files.</summary>
    public const string ManifestFile = "model.json";
    /// <summary>The trained field's weights (TorchSharp's <c>Module.save</c> format).</summary>
    public const string FieldFile = "field.bin";
    /// <summary>The EMA field's weights, present when training kept an EMA.</summary>
    public const string EmaFile = "ema.bin";
    /// <summary>The AdamW state (moments and step counts), for exact resumption.</summary>
    public const string OptimizerFile = "optimizer.bin";

    /// <summary>The JSON manifest of a checkpoint.</summary>
    /// <param name="FormatVersion">The version the folder was written with.</param>
    /// <param name="Model">The model spec: network configuration, path and objective.</param>
    /// <param name="Training">The training options of the run.</param>
    /// <param name="Step">Optimizer steps done when the checkpoint was written.</param>
    /// <param name="Seconds">Wall-clock seconds of training so far.</param>
    /// <param name="LossTrace">The losses read back so far.</param>
    /// <param name="GeneratorState">The training generator's state, base64, so that a resumed run draws what an uninterrupted one would.</param>
    /// <param name="FieldGeneratorState">The state of the generator of the field's own draws (a UNet's dropout), base64;
    /// null for a field that draws none.</param>
    public sealed record Manifest(
        int FormatVersion,
        ModelSpec Model,
        TrainingOptions Training,
        int Step,
        double Seconds,
        IReadOnlyList<LossPoint> LossTrace,
        string GeneratorState,
        string? FieldGeneratorState = null);

    private sealed record Settings(ModelSpec Model, TrainingOptions Training);

    private sealed record State(int Step, double Seconds, IReadOnlyList<LossPoint> LossTrace, string GeneratorState,
        string? FieldGeneratorState = null);

    /// <summary>Writes the checkpoint as a whole folder, atomically (an existing folder is replaced).</summary>
    public static void Save(string folder, FlowTrainer trainer) =>
        AtomicFile.WriteFolder(folder, staging => WriteInto(staging, trainer));

    /// <summary>Writes the checkpoint's files into an existing folder (e.g. the staging folder of a larger output).</summary>
    public static void WriteInto(string folder, FlowTrainer trainer)
    {
        trainer.Field.save(Path.Combine(folder, FieldFile));
        trainer.Ema?.Average.save(Path.Combine(folder, EmaFile));
        trainer.Optimizer.save_state_dict(Path.Combine(folder, OptimizerFile));
        using var state = trainer.Generator.get_state();
        using var fieldState = trainer.FieldGenerator?.get_state();
        FolderManifest.Write(folder, ManifestFile, Kind, new Settings(trainer.Spec, trainer.Options),
            new State(trainer.Step, trainer.Seconds, trainer.LossTrace, Convert.ToBase64String(state.data<byte>().ToArray()),
                fieldState is null ? null : Convert.ToBase64String(fieldState.data<byte>().ToArray())),
            trainer.Ema is null ? [FieldFile, OptimizerFile] : [FieldFile, EmaFile, OptimizerFile]);
    }

    /// <summary>Reads and checks a checkpoint's manifest and the checksums of its weights files; errors name the file
    /// and say what is wrong.</summary>
    public static Manifest ReadManifest(string folder) => Read(folder).Manifest;

    private static (Manifest Manifest, FolderManifest Folder) Read(string folder)
    {
        var files = FolderManifest.Read(folder, ManifestFile, "model", UpgradeVersion1);
        files.RequireKind(Kind);
        var state = files.State<State>();
        var manifest = new Manifest(files.Version, files.Get<ModelSpec>("settings.model"), files.Get<TrainingOptions>("settings.training"),
            state.Step, state.Seconds, state.LossTrace, state.GeneratorState, state.FieldGeneratorState);
        try
        {
            manifest.Model.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{files.Path}: field 'settings.model' is not valid: {e.Message}", e);
        }
        // The list of files is what the checksums are checked against: a name missing from it would go unchecked (and
        // a missing EMA entry would silently sample with the raw weights).
        files.File(FieldFile);
        files.File(OptimizerFile);
        if (manifest.Training.EmaDecay is not null)
            files.File(EmaFile);
        return (manifest, files);
    }

    /// <summary>Version 1 kept the model spec and the training options at the top and recorded no checksums.</summary>
    private static JsonObject UpgradeVersion1(JsonObject old)
    {
        var upgraded = new JsonObject { ["format_version"] = 1, ["kind"] = Kind };
        var settings = new JsonObject();
        foreach (var (key, value) in old)
        {
            if (key is "model" or "training")
                settings[key] = value?.DeepClone();
            else if (key != "format_version")
                upgraded[key] = value?.DeepClone();
        }
        upgraded["settings"] = settings;
        bool ema = settings["training"]?["ema_decay"] is JsonValue decay && decay.GetValueKind() == JsonValueKind.Number;
        upgraded["files"] = ema
            ? new JsonObject { [FieldFile] = null, [EmaFile] = null, [OptimizerFile] = null }
            : new JsonObject { [FieldFile] = null, [OptimizerFile] = null };
        return upgraded;
    }

    /// <summary>Loads the field to sample with (the EMA weights when saved, unless <paramref name="preferEma"/> is false).</summary>
    public static (VectorField Field, Manifest Manifest) LoadField(string folder, Device device, bool preferEma = true) =>
        SwapTolerantLoad.Run(folder, ManifestFile, () => LoadFieldOnce(folder, device, preferEma));

    private static (VectorField Field, Manifest Manifest) LoadFieldOnce(string folder, Device device, bool preferEma)
    {
        var (manifest, files) = Read(folder);
        var field = VectorFields.Create(manifest.Model.Field);
        var weights = preferEma && files.Files.ContainsKey(EmaFile) ? EmaFile : FieldFile;
        LoadWeights(field, files.File(weights));
        field.to(device);
        field.eval();
        return (field, manifest);
    }

    /// <summary>Rebuilds the trainer of a checkpoint to resume training: the field's (and EMA's) weights, the optimizer
    /// state, the random-number state, the step, the seconds and the loss trace.</summary>
    /// <param name="folder">A folder written by <see cref="Save"/> or <see cref="WriteInto"/>.</param>
    /// <param name="device">Device to train on.</param>
    /// <param name="parallel">The processes to continue on (any number), or null for one.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds no manifest.</exception>
    /// <exception cref="InvalidDataException">The manifest, a checksum, the weights or the optimizer state is invalid; the
    /// message names the file.</exception>
    public static FlowTrainer Load(string folder, Device device, Distributed.DataParallel? parallel = null)
    {
        var (manifest, files) = Read(folder);
        var field = VectorFields.Create(manifest.Model.Field);
        LoadWeights(field, files.File(FieldFile));
        field.to(device);
        var trainer = new FlowTrainer(field, manifest.Model, manifest.Training, parallel);
        if (trainer.Ema is not null)
            LoadWeights(trainer.Ema.Average, files.File(EmaFile));
        var optimizerFile = files.File(OptimizerFile);
        try
        {
            trainer.Optimizer.load_state_dict(optimizerFile);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{optimizerFile}: the optimizer state could not be read ({e.Message}).", e);
        }
        using (var state = tensor(Convert.FromBase64String(manifest.GeneratorState), dtype: ScalarType.Byte))
            trainer.Generator.set_state(state);
        if (trainer.FieldGenerator is not null)
        {
            // Without it the resumed run's dropout masks would restart from the seed: no longer the uninterrupted run.
            if (manifest.FieldGeneratorState is null)
                throw new InvalidDataException(
                    $"{Path.Combine(folder, ManifestFile)}: field 'field_generator_state' is missing; the network draws while " +
                    "training (dropout) and its generator's state is needed to resume the run exactly.");
            using var fieldState = tensor(Convert.FromBase64String(manifest.FieldGeneratorState), dtype: ScalarType.Byte);
            trainer.FieldGenerator.set_state(fieldState);
        }
        trainer.Restore(manifest.Step, manifest.Seconds, manifest.LossTrace);
        return trainer;
    }

    private static void LoadWeights(TorchSharp.torch.nn.Module module, string file)
    {
        try
        {
            module.load(file);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{file}: the weights could not be read; the file is corrupted or belongs to another model ({e.Message}).", e);
        }
        FiniteWeights.Require(module, file);
    }
}
