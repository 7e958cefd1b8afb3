using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PrecondFlow.IO;

/// <summary>
/// The one on-disk format of everything PrecondFlow saves (checkpoints, preconditioners, pipelines, image networks,
/// cache entries): a folder holding a JSON manifest and the files it lists, each with its SHA-256.
/// <code>
/// {
///   "format_version": 2,      // versions 1 to CurrentVersion are read; a newer one asks for a newer PrecondFlow
///   "kind": "checkpoint",     // what the folder holds
///   "settings": { ... },      // what the object is built from
///   "step": 3000, ...         // its state, one key each
///   "files": { "field.bin": "9f86d081...", ... }   // SHA-256 of each file, lower-case hex
/// }
/// </code>
/// Reading checks every listed file against its checksum before any of them is used, so that a damaged folder fails
/// with the name of the damaged file instead of loading wrong weights. Version 1 (PrecondFlow 0.1.0) had a layout of
/// its own per kind; whoever reads a kind says how to bring its version-1 layout to the current one.
/// </summary>
public sealed partial class FolderManifest
{
    /// <summary>The version this PrecondFlow writes, and the newest it reads.</summary>
    public const int CurrentVersion = 2;

    private static readonly string[] ReservedKeys = ["format_version", "kind", "settings", "files"];

    /// <summary>Reading is strict: a missing constructor argument or a null where none is allowed is an error, not a default.</summary>
    private static readonly JsonSerializerOptions Strict = new(Json.Options)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    private readonly Dictionary<string, string?> files;

    private FolderManifest(string folder, string path, int version, JsonObject root, Dictionary<string, string?> files)
    {
        Folder = folder;
        Path = path;
        Version = version;
        Root = root;
        this.files = files;
    }

    /// <summary>The folder the manifest describes.</summary>
    public string Folder { get; }

    /// <summary>The manifest file, for messages.</summary>
    public string Path { get; }

    /// <summary>The format version the folder was written with (1 to <see cref="CurrentVersion"/>).</summary>
    public int Version { get; }

    /// <summary>The manifest in the current layout (a version-1 manifest after its upgrade).</summary>
    public JsonObject Root { get; }

    /// <summary>What the folder holds ("checkpoint", "preconditioner", ...), as written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The manifest has no kind.</exception>
    public string Kind => Get<string>("kind");

    /// <summary>What the object is built from: the "settings" object of the manifest (a live node of <see cref="Root"/>).</summary>
    public JsonObject Settings => (JsonObject)Root["settings"]!;

    /// <summary>The listed files and their SHA-256; null for a file of a version-1 folder that predates checksums.</summary>
    public IReadOnlyDictionary<string, string?> Files => files;

    /// <summary>
    /// Writes the manifest of <paramref name="folder"/>, whose <paramref name="fileNames"/> are already written there
    /// (their SHA-256 are computed from the files on disk). The manifest is written last and atomically, so a folder with
    /// a manifest is complete.
    /// </summary>
    /// <param name="folder">The folder, already holding <paramref name="fileNames"/>.</param>
    /// <param name="manifestFile">The manifest's file name, e.g. "model.json".</param>
    /// <param name="kind">What the folder holds, e.g. "checkpoint"; not blank.</param>
    /// <param name="settings">What the object is built from; serialized with the project's JSON conventions.</param>
    /// <param name="state">An object whose properties become top-level keys (step, loss trace, ...), or null.</param>
    /// <param name="fileNames">The files to list, relative to <paramref name="folder"/>; each must exist.</param>
    /// <exception cref="ArgumentException">A blank <paramref name="kind"/>, settings or state that do not serialize to a JSON
    /// object, or a state key that the manifest reserves (format_version, kind, settings, files).</exception>
    public static void Write(string folder, string manifestFile, string kind, object settings, object? state,
        IEnumerable<string> fileNames)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var root = new JsonObject
        {
            ["format_version"] = CurrentVersion,
            ["kind"] = kind,
            ["settings"] = JsonSerializer.SerializeToNode(settings, Json.Options) as JsonObject
                ?? throw new ArgumentException("The settings must serialize to a JSON object.", nameof(settings)),
        };
        if (state is not null)
        {
            var fields = JsonSerializer.SerializeToNode(state, Json.Options) as JsonObject
                ?? throw new ArgumentException("The state must serialize to a JSON object.", nameof(state));
            foreach (var (key, value) in fields)
            {
                if (ReservedKeys.Contains(key))
                    throw new ArgumentException($"The state may not have a key named '{key}': the manifest uses it.", nameof(state));
                root[key] = value?.DeepClone();
            }
        }
        var checksums = new JsonObject();
        foreach (var name in fileNames)
            checksums[CheckName(name)] = Sha256(System.IO.Path.Combine(folder, name));
        root["files"] = checksums;
        AtomicFile.WriteAllText(System.IO.Path.Combine(folder, manifestFile), root.ToJsonString(Json.Options) + "\n");
    }

    /// <summary>
    /// Reads and checks the manifest of <paramref name="folder"/>: it must parse, have a format version this PrecondFlow
    /// reads, a kind, settings and a list of files, and every listed file must exist and match its checksum.
    /// </summary>
    /// <param name="folder">The folder to read.</param>
    /// <param name="manifestFile">The manifest's file name, e.g. "model.json".</param>
    /// <param name="what">What such a folder holds, for messages ("model", "preconditioner", ...).</param>
    /// <param name="upgradeVersion1">
    /// Brings a version-1 manifest (as parsed) to the current layout: kind, settings, state keys and files, where a file's
    /// checksum may be null when version 1 did not record one. Null when the layout has not changed since version 1.
    /// </param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds no manifest.</exception>
    /// <exception cref="InvalidDataException">Anything else: the message names the file, the field, and what to do.</exception>
    public static FolderManifest Read(string folder, string manifestFile, string what, Func<JsonObject, JsonObject>? upgradeVersion1 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The {what} folder '{folder}' does not exist.");
        var path = System.IO.Path.Combine(folder, manifestFile);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException(
                $"'{folder}' is not a saved {what}: {manifestFile} is missing ({path} does not exist).", path);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(System.IO.File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: expected a JSON object. {Damaged(folder)}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}). {Damaged(folder)}", e);
        }

        int version = root["format_version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n
            : throw new InvalidDataException(
                $"{path}: field 'format_version' must be an integer; found {root["format_version"]?.ToJsonString() ?? "nothing"}. " +
                $"It is not a manifest written by PrecondFlow.");
        if (version > CurrentVersion)
            throw new InvalidDataException(
                $"{path}: format_version {version} was saved by a newer PrecondFlow; this version reads format_version " +
                $"1 to {CurrentVersion}. Upgrade PrecondFlow to load it.");
        if (version < 1)
            throw new InvalidDataException($"{path}: format_version {version} is not valid; versions start at 1.");
        if (version == 1 && upgradeVersion1 is not null)
            root = upgradeVersion1(root);

        var partial = new FolderManifest(folder, path, version, root, []);
        partial.Get<string>("kind");
        partial.Get<JsonObject>("settings");
        var manifest = new FolderManifest(folder, path, version, root, partial.ReadFiles());
        manifest.Verify();
        return manifest;
    }

    /// <summary>The full path of a listed file (checked when the manifest was read).</summary>
    /// <exception cref="InvalidDataException">The manifest does not list it.</exception>
    public string File(string name) =>
        files.ContainsKey(name) ? System.IO.Path.Combine(Folder, name)
            : throw new InvalidDataException($"{Path}: field 'files' does not list {name}. {Damaged(Folder)}");

    /// <summary>Throws unless the folder holds one of <paramref name="kinds"/>.</summary>
    public void RequireKind(params string[] kinds)
    {
        if (!kinds.Contains(Kind))
            throw new InvalidDataException(
                $"{Path}: holds a '{Kind}', not a '{string.Join("' or '", kinds)}'; load it with the method for '{Kind}'.");
    }

    /// <summary>Throws unless the recorded settings are <paramref name="settings"/> (serialized with the project's JSON
    /// conventions): a cache entry is found by a hash of its settings, and an edited or damaged record would otherwise go
    /// unnoticed.</summary>
    /// <exception cref="InvalidDataException">The settings differ; the message names the manifest and says to delete the folder.</exception>
    public void RequireSettings(object settings)
    {
        var expected = JsonSerializer.SerializeToNode(settings, Json.Options)!.ToJsonString();
        if (Settings.ToJsonString() != expected)
            throw new InvalidDataException(
                $"{Path}: field 'settings' does not match the settings this entry is named after. The folder " +
                $"'{Folder}' is damaged: delete it and it is computed again.");
    }

    /// <summary>The field at <paramref name="field"/> (dots for nested objects, e.g. "settings.model") as a
    /// <typeparamref name="T"/>; a missing field or a wrong type is an error naming the file and the field.</summary>
    public T Get<T>(string field) =>
        Find(field) is { } node ? Convert<T>(node, field)
            : throw new InvalidDataException($"{Path}: field '{field}' is missing. {Damaged(Folder)}");

    /// <summary>Like <see cref="Get{T}"/>, but a missing or null field gives <paramref name="fallback"/>.</summary>
    public T GetOr<T>(string field, T fallback) => Find(field) is { } node ? Convert<T>(node, field) : fallback;

    /// <summary>The state: every top-level key but format_version, kind, settings and files, as a <typeparamref name="T"/>.</summary>
    public T State<T>()
    {
        var state = new JsonObject();
        foreach (var (key, value) in Root)
            if (!ReservedKeys.Contains(key))
                state[key] = value?.DeepClone();
        return Convert<T>(state, "");
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256(string file)
    {
        using var stream = System.IO.File.OpenRead(file);
        return System.Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Damaged(string folder) =>
        $"The folder '{folder}' is damaged: save or train it again, or restore it from a copy.";

    private JsonNode? Find(string field)
    {
        JsonNode? node = Root;
        foreach (var key in field.Split('.'))
            node = node is JsonObject o ? o[key] : null;
        return node;
    }

    private T Convert<T>(JsonNode node, string field)
    {
        try
        {
            return node.Deserialize<T>(Strict) ?? throw new JsonException("The value is null.");
        }
        catch (JsonException e)
        {
            // The serializer's path is relative to the node ("$.steps"); prefix the node's own field to name it in the file.
            var name = Join(field, e.Path is { Length: > 1 } p ? p[1..] : "");
            var missing = MissingProperty().Match(e.Message);
            if (missing.Success)
                throw new InvalidDataException(
                    $"{Path}: field '{Join(name, "." + missing.Groups[1].Value)}' is missing. {Damaged(Folder)}", e);
            var found = At(node, e.Path)?.ToJsonString() ?? "nothing";
            throw new InvalidDataException($"{Path}: field '{name}' has a value of the wrong type: {found}. {Damaged(Folder)}", e);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{Path}: field '{field}' is not valid ({e.Message}). {Damaged(Folder)}", e);
        }
    }

    /// <summary>The node at a serializer path such as "$.settings.hidden[1]" below <paramref name="node"/>, if it can be found.</summary>
    private static JsonNode? At(JsonNode node, string? path)
    {
        JsonNode? current = node;
        foreach (Match step in PathStep().Matches(path ?? ""))
            current = step.Groups[1].Success ? (current as JsonObject)?[step.Groups[1].Value]
                : (current as JsonArray) is { } array && int.Parse(step.Groups[2].Value) is var i && i < array.Count ? array[i] : null;
        return current;
    }

    private static string Join(string field, string inner) =>
        field.Length == 0 ? inner.TrimStart('.') : field + inner;

    [GeneratedRegex("missing required properties including: '([^']+)'")]
    private static partial Regex MissingProperty();

    [GeneratedRegex(@"\.([A-Za-z0-9_]+)|\[(\d+)\]")]
    private static partial Regex PathStep();

    private Dictionary<string, string?> ReadFiles()
    {
        var list = Get<JsonObject>("files");
        var result = new Dictionary<string, string?>();
        foreach (var (name, value) in list)
        {
            if (!IsPlainName(name))
                throw new InvalidDataException($"{Path}: field 'files' names '{name}'; it must be a file name in the same folder.");
            if (value is null && Version == 1)
            {
                result[name] = null;   // written before checksums
                continue;
            }
            if (value is not JsonValue hash || !hash.TryGetValue<string>(out var text) || text.Length != 64)
                throw new InvalidDataException(
                    $"{Path}: field 'files.{name}' must be a SHA-256 (64 hexadecimal digits); found {value?.ToJsonString() ?? "null"}. " +
                    Damaged(Folder));
            result[name] = text.ToLowerInvariant();
        }
        return result;
    }

    private void Verify()
    {
        foreach (var (name, expected) in files)
        {
            var file = System.IO.Path.Combine(Folder, name);
            if (!System.IO.File.Exists(file))
                throw new InvalidDataException($"{file} is missing: {System.IO.Path.GetFileName(Path)} lists it. {Damaged(Folder)}");
            if (expected is null)
                continue;
            var actual = Sha256(file);
            if (actual != expected)
                throw new InvalidDataException(
                    $"{file} is corrupted: its SHA-256 is {actual}, but {System.IO.Path.GetFileName(Path)} recorded {expected}. " +
                    Damaged(Folder));
        }
    }

    private static string CheckName(string name) =>
        IsPlainName(name) ? name : throw new ArgumentException($"'{name}' must be a file name in the manifest's folder.", nameof(name));

    private static bool IsPlainName(string name) =>
        name.Length > 0 && name == System.IO.Path.GetFileName(name) && name is not "." and not "..";
}
