using System.Text;
using System.Text.Json.Nodes;
using PrecondFlow.IO;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>
/// The on-disk layout of a saved preconditioner, in the folder format of <see cref="FolderManifest"/>:
/// <c>preconditioner.json</c> holds the format version, the kind, the settings (<see cref="IPreconditioner.Describe"/>
/// without the kind) and the SHA-256 of the weights file, so that a damaged weights file is recognised before any of it
/// is read. Version 1 (PrecondFlow 0.1.0) kept the settings at the top, with "weights" and "weights_sha256".
/// </summary>
internal static class PreconditionerFolder
{
    /// <summary>The format this version writes and the newest it reads.</summary>
    public const int FormatVersion = FolderManifest.CurrentVersion;

    public const string DescriptionFileName = "preconditioner.json";

    public const string WeightsFileName = "weights.bin";

    /// <summary>Writes the weights (if any) and then the description, each file atomically.</summary>
    /// <param name="folder">The folder to write; created if missing.</param>
    /// <param name="description">The map's <see cref="IPreconditioner.Describe"/>: its "kind" and its settings.</param>
    /// <param name="writeWeights">Writes the weights file; null for a map without weights (only the description is written).</param>
    public static void Save(string folder, JsonObject description, Action<BinaryWriter>? writeWeights)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        var kind = (string?)description["kind"] ?? throw new ArgumentException("The description has no kind.", nameof(description));
        var settings = new JsonObject();
        foreach (var (key, value) in description)
            if (key != "kind")
                settings[key] = value?.DeepClone();
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
        }
        FolderManifest.Write(folder, DescriptionFileName, kind, settings, state: null,
            writeWeights is null ? [] : [WeightsFileName]);
    }

    /// <summary>Reads and checks <c>preconditioner.json</c>: it must exist, parse, have a format version this version
    /// reads, and the weights file it lists must match its checksum.</summary>
    public static Description ReadDescription(string folder) =>
        new(FolderManifest.Read(folder, DescriptionFileName, "preconditioner", UpgradeVersion1));

    /// <summary>Version 1 kept the settings at the top, next to "weights" (the file name) and "weights_sha256".</summary>
    private static JsonObject UpgradeVersion1(JsonObject old)
    {
        var settings = new JsonObject();
        foreach (var (key, value) in old)
            if (key is not ("format_version" or "kind" or "weights" or "weights_sha256"))
                settings[key] = value?.DeepClone();
        var files = new JsonObject();
        if (old["weights"] is JsonValue name && name.TryGetValue<string>(out var file))
            files[file] = old["weights_sha256"]?.DeepClone();
        return new JsonObject
        {
            ["format_version"] = 1,
            ["kind"] = old["kind"]?.DeepClone(),
            ["settings"] = settings,
            ["files"] = files,
        };
    }

    /// <summary>
    /// Reads the weights file listed in the description (its SHA-256 was checked with the description) and hands it to
    /// <paramref name="read"/>; every failure becomes an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static void ReadWeights(Description description, Action<BinaryReader> read)
    {
        var names = description.Manifest.Files.Keys.ToArray();
        if (names.Length != 1)
            throw new InvalidDataException(
                $"{description.Path}: field 'files' must list the one weights file of this {description.Kind} preconditioner; " +
                $"it lists {names.Length}. Save the preconditioner again.");
        var path = description.Manifest.File(names[0]);
        var bytes = File.ReadAllBytes(path);
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
            throw new InvalidDataException($"{path}: cannot be read as the weights of this {description.Kind} " +
                $"preconditioner ({e.Message}). Save it again.", e);
        }
    }
}
