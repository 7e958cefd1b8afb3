using System.Text.Json;
using System.Text.Json.Nodes;
using PrecondFlow.IO;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>
/// The settings of a checked <c>preconditioner.json</c>, with typed accessors whose errors name the file and the field.
/// </summary>
/// <param name="Manifest">The manifest, read and checked (its files included).</param>
internal sealed record Description(FolderManifest Manifest)
{
    /// <summary>The "settings" object: what the map is rebuilt from.</summary>
    public JsonObject Root => Manifest.Settings;

    /// <summary>Path of the file, for messages.</summary>
    public string Path => Manifest.Path;

    /// <summary>The saved preconditioner's folder.</summary>
    public string Folder => Manifest.Folder;

    public string Kind => Manifest.Kind;

    public int Int(string key) => Get<int>(key, "an integer");

    public long Long(string key) => Get<long>(key, "an integer");

    public double Double(string key) => Get<double>(key, "a number");

    public bool Bool(string key) => Get<bool>(key, "true or false");

    public string String(string key) => Get<string>(key, "a string");

    public JsonObject Object(string key) =>
        Root[key] as JsonObject ?? throw Invalid(key, "an object");

    /// <summary>The "options" object as <typeparamref name="T"/>, validated; errors name the file.</summary>
    /// <param name="what">What the options belong to, for messages (e.g. "RealNVP").</param>
    /// <param name="validate">Checks the options; its exception is reported with the file's name.</param>
    public T Options<T>(string what, Action<T> validate) where T : class
    {
        try
        {
            var options = Object("options").Deserialize<T>(Json.Options) ?? throw Invalid("options", $"an object of {what} options");
            validate(options);
            return options;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{Path}: the {what} options are not valid: {e.Message}", e);
        }
    }

    public JsonArray Array(string key) =>
        Root[key] as JsonArray ?? throw Invalid(key, "an array");

    public InvalidDataException Invalid(string key, string expected) =>
        new($"{Path}: field 'settings.{key}' must be {expected}; found {Root[key]?.ToJsonString() ?? "nothing"}.");

    private T Get<T>(string key, string expected)
    {
        if (Root[key] is JsonValue value && value.TryGetValue<T>(out var result))
            return result;
        throw Invalid(key, expected);
    }
}
