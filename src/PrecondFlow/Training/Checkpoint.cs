using PrecondFlow.Fields;
using TorchSharp;
using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// A trained or part-trained model on disk: <c>model.json</c> (format version, model spec, training options, step,
/// loss trace, random-number state), <c>field.bin</c>, <c>ema.bin</c> when there is an EMA, and <c>optimizer.bin</c>.
/// The folder is written atomically, so an interrupted save never leaves a half-written checkpoint.
/// </summary>
public static class Checkpoint
{
    public const int FormatVersion = 1;
    public const string ManifestFile = "model.json";
    public const string FieldFile = "field.bin";
    public const string EmaFile = "ema.bin";
    public const string OptimizerFile = "optimizer.bin";

    /// <summary>The JSON manifest of a checkpoint.</summary>
    public sealed record Manifest(
        int FormatVersion,
        ModelSpec Model,
        TrainingOptions Training,
        int Step,
        double Seconds,
        IReadOnlyList<LossPoint> LossTrace,
        string GeneratorState);

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
        var manifest = new Manifest(FormatVersion, trainer.Spec, trainer.Options, trainer.Step, trainer.Seconds,
            trainer.LossTrace, Convert.ToBase64String(state.data<byte>().ToArray()));
        Json.WriteFile(Path.Combine(folder, ManifestFile), manifest);
    }

    /// <summary>Reads and checks a checkpoint's manifest; errors name the file and say what is wrong.</summary>
    public static Manifest ReadManifest(string folder)
    {
        var file = Path.Combine(folder, ManifestFile);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Model folder '{folder}' does not exist.");
        if (!File.Exists(file))
            throw new FileNotFoundException($"'{folder}' is not a PrecondFlow model folder: {ManifestFile} is missing.", file);
        var manifest = Json.ReadFile<Manifest>(file);
        if (manifest.FormatVersion != FormatVersion)
            throw new InvalidDataException(
                $"{file}: format version {manifest.FormatVersion} is not supported (this PrecondFlow reads version {FormatVersion}); " +
                "it was written by a different PrecondFlow version.");
        manifest.Model.Validate();
        return manifest;
    }

    /// <summary>Loads the field to sample with (the EMA weights when saved, unless <paramref name="preferEma"/> is false).</summary>
    public static (VectorField Field, Manifest Manifest) LoadField(string folder, Device device, bool preferEma = true)
    {
        var manifest = ReadManifest(folder);
        var field = VectorFields.Create(manifest.Model.Field);
        var weights = preferEma && File.Exists(Path.Combine(folder, EmaFile)) ? EmaFile : FieldFile;
        LoadWeights(field, Path.Combine(folder, weights));
        field.to(device);
        field.eval();
        return (field, manifest);
    }

    public static FlowTrainer Load(string folder, Device device)
    {
        var manifest = ReadManifest(folder);
        var field = VectorFields.Create(manifest.Model.Field);
        LoadWeights(field, Path.Combine(folder, FieldFile));
        field.to(device);
        var trainer = new FlowTrainer(field, manifest.Model, manifest.Training);
        if (trainer.Ema is not null)
            LoadWeights(trainer.Ema.Average, Path.Combine(folder, EmaFile));
        var optimizerFile = Path.Combine(folder, OptimizerFile);
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
        trainer.Restore(manifest.Step, manifest.Seconds, manifest.LossTrace);
        return trainer;
    }

    private static void LoadWeights(TorchSharp.torch.nn.Module module, string file)
    {
        if (!File.Exists(file))
            throw new FileNotFoundException($"Weight file '{file}' is missing.", file);
        try
        {
            module.load(file);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{file}: the weights could not be read; the file is corrupted or belongs to another model ({e.Message}).", e);
        }
    }
}
