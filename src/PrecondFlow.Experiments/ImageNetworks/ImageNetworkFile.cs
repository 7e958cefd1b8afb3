using System.Security.Cryptography;
using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// A trained image network on disk: a folder with <c>model.json</c> (format version, kind, options,
/// SHA-256 of the weights) and <c>weights.bin</c> (TorchSharp's module format), written atomically.
/// Loading checks the folder, the kind, the format version and the checksum before reading the weights.
/// </summary>
public static class ImageNetworkFile
{
    public const int FormatVersion = 1;
    public const string ManifestFile = "model.json";
    public const string WeightsFile = "weights.bin";
    public const string ClassifierKind = "digit-classifier";
    public const string VaeKind = "conv-vae";

    /// <summary>The JSON manifest; exactly one of <paramref name="Classifier"/> and <paramref name="Vae"/> is set, as <paramref name="Kind"/> says.</summary>
    /// <param name="WeightsSha256">Lower-case hex SHA-256 of <c>weights.bin</c>.</param>
    public sealed record Manifest(int FormatVersion, string Kind, ClassifierOptions? Classifier, VaeOptions? Vae, string WeightsSha256);

    /// <summary>Saves a classifier to <paramref name="folder"/> (replacing it atomically).</summary>
    public static void Save(string folder, DigitClassifier classifier) => Save(folder, classifier, ClassifierKind, classifier.Options, null);

    /// <summary>Saves a VAE to <paramref name="folder"/> (replacing it atomically).</summary>
    public static void Save(string folder, ConvVae vae) => Save(folder, vae, VaeKind, null, vae.Options);

    /// <summary>Loads a classifier saved by <see cref="Save(string, DigitClassifier)"/>, in evaluation mode.</summary>
    public static DigitClassifier LoadClassifier(string folder)
    {
        var manifest = ReadManifest(folder, ClassifierKind);
        var classifier = new DigitClassifier(manifest.Classifier
            ?? throw new InvalidDataException($"{Path.Combine(folder, ManifestFile)}: the 'classifier' options are missing."));
        LoadWeights(classifier, folder, manifest);
        return classifier;
    }

    /// <summary>Loads a VAE saved by <see cref="Save(string, ConvVae)"/>, in evaluation mode.</summary>
    public static ConvVae LoadVae(string folder)
    {
        var manifest = ReadManifest(folder, VaeKind);
        var vae = new ConvVae(manifest.Vae
            ?? throw new InvalidDataException($"{Path.Combine(folder, ManifestFile)}: the 'vae' options are missing."));
        LoadWeights(vae, folder, manifest);
        return vae;
    }

    /// <summary>Reads and checks the manifest of <paramref name="folder"/>; errors name the file and say what is wrong.</summary>
    public static Manifest ReadManifest(string folder, string expectedKind)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Network folder '{folder}' does not exist.");
        var file = Path.Combine(folder, ManifestFile);
        if (!File.Exists(file))
            throw new FileNotFoundException($"'{folder}' is not a saved image network: {ManifestFile} is missing.", file);
        var manifest = Json.ReadFile<Manifest>(file);
        if (manifest.FormatVersion != FormatVersion)
            throw new InvalidDataException(
                $"{file}: format version {manifest.FormatVersion} is not supported (this PrecondFlow reads version {FormatVersion}).");
        if (manifest.Kind != expectedKind)
            throw new InvalidDataException($"{file}: holds a '{manifest.Kind}', not a '{expectedKind}'; load it with the matching method.");
        try
        {
            manifest.Classifier?.Validate();
            manifest.Vae?.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: {e.Message}", e);
        }
        return manifest;
    }

    private static void Save(string folder, nn.Module module, string kind, ClassifierOptions? classifier, VaeOptions? vae) =>
        AtomicFile.WriteFolder(folder, staging =>
        {
            var weights = Path.Combine(staging, WeightsFile);
            module.save(weights);
            Json.WriteFile(Path.Combine(staging, ManifestFile), new Manifest(FormatVersion, kind, classifier, vae, Sha256(weights)));
        });

    private static void LoadWeights(nn.Module module, string folder, Manifest manifest)
    {
        var file = Path.Combine(folder, WeightsFile);
        if (!File.Exists(file))
            throw new FileNotFoundException($"Weight file '{file}' is missing.", file);
        var actual = Sha256(file);
        if (!string.Equals(actual, manifest.WeightsSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{file}: SHA-256 {actual} does not match {manifest.WeightsSha256} recorded in {ManifestFile}; the weights are corrupted or were replaced.");
        try
        {
            module.load(file);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{file}: the weights could not be read ({e.Message}).", e);
        }
        module.eval();
    }

    private static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
