using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PrecondFlow.IO;

/// <summary>The project's JSON conventions: snake_case names, indented, NaN written as a named literal.</summary>
internal static class Json
{
    /// <summary>The shared serializer settings: snake_case property names, dictionary keys as they are, kebab-case enum
    /// names, NaN and ±Infinity as named literals, numbers also read from strings, indented output, non-ASCII written as is.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals | JsonNumberHandling.AllowReadingFromString,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary><paramref name="value"/> as JSON text with <see cref="Options"/>.</summary>
    /// <param name="value">Any value System.Text.Json can serialize.</param>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Parses JSON text written with <see cref="Options"/>.</summary>
    /// <param name="json">The document.</param>
    /// <exception cref="JsonException">The text is not valid JSON for <typeparamref name="T"/>, or is the literal null.</exception>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("The document is empty (null).");

    /// <summary>Writes <paramref name="value"/> as JSON to <paramref name="path"/> atomically.</summary>
    public static void WriteFile<T>(string path, T value) => AtomicFile.WriteAllText(path, Serialize(value) + "\n");

    /// <summary>Reads a JSON file; errors name the file.</summary>
    public static T ReadFile<T>(string path)
    {
        try
        {
            return Deserialize<T>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid {typeof(T).Name} document: {e.Message}", e);
        }
    }
}
