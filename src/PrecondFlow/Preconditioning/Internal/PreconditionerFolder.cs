using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PrecondFlow.IO;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>
/// The on-disk layout of a saved preconditioner: <c>preconditioner.json</c> holds the format version, the kind and the
/// settings, and names the weights file together with its SHA-256, so that a damaged weights file is recognised
/// before any of it is read.
/// </summary>
internal static class PreconditionerFolder
{
    /// <summary>The format this version writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    public const string DescriptionFileName = "preconditioner.json";

    public const string WeightsFileName = "weights.bin";

    /// <summary>Writes the weights (if any) and then the description, each file atomically.</summary>
    public static void Save(string folder, JsonObject description, Action<BinaryWriter>? writeWeights)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        var document = new JsonObject { ["format_version"] = FormatVersion };
        foreach (var (key, value) in description)
            document[key] = value?.DeepClone();
        if (writeWeights is not null)
        {
            byte[] bytes;
            using (var buffer = new MemoryStream())
            {
                using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
                    writeWeights(writer);
                bytes = buffer.ToArray();
            }
            AtomicFile.WriteAllBytes(Path.Combine(folder, WeightsFileName), bytes);
            document["weights"] = WeightsFileName;
            document["weights_sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
        AtomicFile.WriteAllText(Path.Combine(folder, DescriptionFileName), document.ToJsonString(Json.Options) + "\n");
    }

    /// <summary>Reads and checks <c>preconditioner.json</c>: it must exist, parse, and have a format version this
    /// version reads.</summary>
    public static Description ReadDescription(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var path = Path.Combine(folder, DescriptionFileName);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path} does not exist: '{folder}' is not a saved preconditioner folder " +
                $"(one holds {DescriptionFileName} and its weights, as written by Save).", path);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}). The file is damaged; save the preconditioner again.", e);
        }
        var description = new Description(root, path, folder);
        var version = description.Int("format_version");
        if (version > FormatVersion)
            throw new InvalidDataException(
                $"{path}: format_version {version} was saved by a newer PrecondFlow; this version reads format_version " +
                $"{FormatVersion} or older. Upgrade PrecondFlow to load it.");
        if (version < 1)
            throw new InvalidDataException($"{path}: format_version {version} is not valid; versions start at 1.");
        return description;
    }

    /// <summary>
    /// Reads the weights file named in the description after checking its SHA-256, and hands it to
    /// <paramref name="read"/>; every failure becomes an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static void ReadWeights(Description description, Action<BinaryReader> read)
    {
        var name = description.String("weights");
        if (name != Path.GetFileName(name) || name is "." or "..")
            throw new InvalidDataException($"{description.Path}: 'weights' must be a file name in the same folder; got '{name}'.");
        var path = Path.Combine(description.Folder, name);
        if (!File.Exists(path))
            throw new InvalidDataException(
                $"{path} is missing: the saved preconditioner is incomplete. Save it again.");
        var bytes = File.ReadAllBytes(path);
        var expected = description.String("weights_sha256");
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{path} is corrupted: its SHA-256 is {actual}, but {DescriptionFileName} recorded {expected}. " +
                "Save the preconditioner again.");
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            read(reader);
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"{stream.Length - stream.Position} unexpected bytes after the weights.");
        }
        catch (Exception e) when (e is not InvalidDataException || !e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: cannot be read as the weights of this {description.String("kind")} " +
                $"preconditioner ({e.Message}). Save it again.", e);
        }
    }
}
