using System.Text.Json.Nodes;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>A parsed <c>preconditioner.json</c> with typed accessors whose errors name the file and the field.</summary>
/// <param name="Root">The JSON object.</param>
/// <param name="Path">Path of the file, for messages.</param>
/// <param name="Folder">The saved preconditioner's folder.</param>
internal sealed record Description(JsonObject Root, string Path, string Folder)
{
    public string Kind => String("kind");

    public int Int(string key) => Get<int>(key, "an integer");

    public long Long(string key) => Get<long>(key, "an integer");

    public double Double(string key) => Get<double>(key, "a number");

    public bool Bool(string key) => Get<bool>(key, "true or false");

    public string String(string key) => Get<string>(key, "a string");

    public JsonObject Object(string key) =>
        Root[key] as JsonObject ?? throw Invalid(key, "an object");

    public JsonArray Array(string key) =>
        Root[key] as JsonArray ?? throw Invalid(key, "an array");

    public InvalidDataException Invalid(string key, string expected) =>
        new($"{Path}: field '{key}' must be {expected}; found {Root[key]?.ToJsonString() ?? "nothing"}.");

    private T Get<T>(string key, string expected)
    {
        if (Root[key] is JsonValue value && value.TryGetValue<T>(out var result))
            return result;
        throw Invalid(key, expected);
    }
}
