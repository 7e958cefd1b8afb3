using System.Text.Json.Nodes;
using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// A trained image network on disk, in the folder format of <see cref="FolderManifest"/>: <c>model.json</c> (kind
/// "digit-classifier" or "conv-vae", the network's options as settings, the SHA-256 of the weights) and
/// <c>weights.bin</c> (TorchSharp's module format), written atomically. Loading checks the folder, the kind, the format
/// version and the checksum before reading the weights.
/// </summary>
public static class ImageNetworkFile
{
    public const int FormatVersion = FolderManifest.CurrentVersion;
    public const string ManifestFile = "model.json";
    public const string WeightsFile = "weights.bin";
    public const string ClassifierKind = "digit-classifier";
    public const string VaeKind = "conv-vae";

    /// <summary>The JSON manifest; exactly one of <paramref name="Classifier"/> and <paramref name="Vae"/> is set, as <paramref name="Kind"/> says.</summary>
    /// <param name="FormatVersion">The version the folder was written with.</param>
    /// <param name="WeightsSha256">Lower-case hex SHA-256 of <c>weights.bin</c>.</param>
    public sealed record Manifest(int FormatVersion, string Kind, ClassifierOptions? Classifier, VaeOptions? Vae, string WeightsSha256);

    /// <summary>Saves a classifier to <paramref name="folder"/> (replacing it atomically).</summary>
    public static void Save(string folder, DigitClassifier classifier) => Save(folder, classifier, ClassifierKind, classifier.Options);

    /// <summary>Saves a VAE to <paramref name="folder"/> (replacing it atomically).</summary>
    public static void Save(string folder, ConvVae vae) => Save(folder, vae, VaeKind, vae.Options);

    /// <summary>Loads a classifier saved by <see cref="Save(string, DigitClassifier)"/>, in evaluation mode.</summary>
    public static DigitClassifier LoadClassifier(string folder)
    {
        var manifest = ReadManifest(folder, ClassifierKind);
        var classifier = new DigitClassifier(manifest.Classifier!);
        LoadWeights(classifier, Path.Combine(folder, WeightsFile));
        return classifier;
    }

    /// <summary>Loads a VAE saved by <see cref="Save(string, ConvVae)"/>, in evaluation mode.</summary>
    public static ConvVae LoadVae(string folder)
    {
        var manifest = ReadManifest(folder, VaeKind);
        var vae = new ConvVae(manifest.Vae!);
        LoadWeights(vae, Path.Combine(folder, WeightsFile));
        return vae;
    }

    /// <summary>Reads and checks the manifest of <paramref name="folder"/> and the checksum of its weights; errors name
    /// the file and say what is wrong.</summary>
    public static Manifest ReadManifest(string folder, string expectedKind)
    {
        var files = FolderManifest.Read(folder, ManifestFile, "image network", UpgradeVersion1);
        files.RequireKind(expectedKind);
        var weights = files.File(WeightsFile);
        var hash = files.Files[WeightsFile] ?? FolderManifest.Sha256(weights);
        try
        {
            return expectedKind == ClassifierKind
                ? new Manifest(files.Version, expectedKind, files.Get<ClassifierOptions>("settings").Validate(), null, hash)
                : new Manifest(files.Version, expectedKind, null, files.Get<VaeOptions>("settings").Validate(), hash);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{files.Path}: field 'settings' is not valid: {e.Message}", e);
        }
    }

    /// <summary>Version 1 kept the options under "classifier" or "vae" and the checksum as "weights_sha256".</summary>
    private static JsonObject UpgradeVersion1(JsonObject old) => new()
    {
        ["format_version"] = 1,
        ["kind"] = old["kind"]?.DeepClone(),
        ["settings"] = (old["classifier"] ?? old["vae"])?.DeepClone(),
        ["files"] = new JsonObject { [WeightsFile] = old["weights_sha256"]?.DeepClone() },
    };

    private static void Save(string folder, nn.Module module, string kind, object options) =>
        AtomicFile.WriteFolder(folder, staging =>
        {
            module.save(Path.Combine(staging, WeightsFile));
            FolderManifest.Write(staging, ManifestFile, kind, options, state: null, [WeightsFile]);
        });

    private static void LoadWeights(nn.Module module, string file)
    {
        try
        {
            module.load(file);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{file}: the weights could not be read ({e.Message}).", e);
        }
        FiniteWeights.Require(module, file);
        module.eval();
    }
}
