using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace PrecondFlow.IO;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length n, n bytes of UTF-8 JSON
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {"key": "text"}}</c>,
/// offsets relative to the byte buffer that follows), then the tensors' little-endian bytes, row-major.
/// Readable by <c>safetensors.torch.load_file</c> and by PrecondFlow's Python module.
/// </summary>
public static class SafeTensors
{
    /// <summary>The header key that holds free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>A header longer than this (100 MB) is not a header: the file is not safetensors.</summary>
    private const long MaxHeaderLength = 100_000_000;

    private static readonly (string Name, ScalarType Type, int Size)[] DTypes =
    [
        ("F64", ScalarType.Float64, 8),
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>The dtype names this reader and writer know (safetensors' spelling).</summary>
    public static IReadOnlyList<string> DTypeNames { get; } = DTypes.Select(d => d.Name).ToArray();

    /// <summary>Writes the tensors (copied to the CPU, in their own dtype) and the metadata to <paramref name="path"/>
    /// atomically: a failure leaves no partial file.</summary>
    /// <param name="path">The destination file; an existing one is replaced.</param>
    /// <param name="tensors">Named tensors of any shape; names must be unique and not <see cref="MetadataKey"/>.</param>
    /// <param name="metadata">String metadata stored under <see cref="MetadataKey"/>.</param>
    /// <exception cref="ArgumentException">A duplicate or reserved name, or a dtype safetensors cannot hold.</exception>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var header = new JsonObject();
        if (metadata.Count > 0)
            header[MetadataKey] = new JsonObject(metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value))));
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, value) in tensors)
        {
            if (name == MetadataKey || header.ContainsKey(name))
                throw new ArgumentException($"The tensor name '{name}' is used twice or is reserved.", nameof(tensors));
            var dtype = DTypes.FirstOrDefault(d => d.Type == value.dtype);
            if (dtype.Name is null)
                throw new ArgumentException($"The tensor '{name}' has dtype {value.dtype}, which safetensors cannot hold.", nameof(tensors));
            var bytes = Bytes(value);
            header[name] = new JsonObject
            {
                ["dtype"] = dtype.Name,
                ["shape"] = new JsonArray(value.shape.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes.Length)),
            };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header with spaces so that the data start 8-byte aligned (as the reference writer does).
        var padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(json);
            for (var i = json.Length; i < padded; i++)
                stream.WriteByte((byte)' ');
            foreach (var blob in blobs)
                stream.Write(blob);
        });
    }

    /// <summary>Reads a whole safetensors file, checking its framing: the header length, the JSON, each entry's dtype,
    /// shape and offsets (which must tile the data exactly). Errors name the file and the entry.</summary>
    /// <param name="path">A .safetensors file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors; the message names the file and the field.</exception>
    public static SafeTensorsContent Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such safetensors file.", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8)
            throw Bad(path, $"the file has {bytes.Length} bytes; a safetensors file starts with an 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderLength || (long)headerLength > bytes.Length - 8)
            throw Bad(path, $"the header length {headerLength} does not fit in the file's {bytes.Length} bytes");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength)) as JsonObject
                ?? throw new JsonException("the header is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw Bad(path, $"the header is not valid JSON ({e.Message})");
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;
        var metadata = new Dictionary<string, string>();
        var entries = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == MetadataKey)
            {
                if (node is not JsonObject meta)
                    throw Bad(path, $"'{MetadataKey}' must be an object of strings");
                foreach (var (key, value) in meta)
                    metadata[key] = value is JsonValue v && v.TryGetValue<string>(out var text)
                        ? text
                        : throw Bad(path, $"'{MetadataKey}.{key}' must be a string");
                continue;
            }
            entries.Add(Entry(path, name, node));
        }
        // The entries must tile the data buffer: no gap, no overlap, nothing left over.
        long expected = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin))
        {
            if (entry.Begin != expected)
                throw Bad(path, $"tensor '{entry.Name}': data_offsets start at {entry.Begin}, expected {expected} (the tensors must tile the data without gaps or overlaps)");
            expected = entry.End;
        }
        if (expected != dataLength)
            throw Bad(path, $"the tensors take {expected} bytes but the file holds {dataLength} bytes of data");
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, type, shape, begin, end) in entries)
                tensors[name] = FromBytes(bytes.AsSpan((int)(dataStart + begin), (int)(end - begin)), type, shape);
        }
        catch
        {
            foreach (var t in tensors.Values)
                t.Dispose();
            throw;
        }
        return new SafeTensorsContent(path, tensors, metadata);
    }

    private static (string Name, ScalarType Type, long[] Shape, long Begin, long End) Entry(string path, string name, JsonNode? node)
    {
        if (node is not JsonObject entry)
            throw Bad(path, $"tensor '{name}' must be an object with dtype, shape and data_offsets");
        var dtypeName = entry["dtype"] is JsonValue dv && dv.TryGetValue<string>(out var dn) ? dn : null;
        var dtype = DTypes.FirstOrDefault(d => d.Name == dtypeName);
        if (dtype.Name is null)
            throw Bad(path, $"tensor '{name}': dtype {entry["dtype"]?.ToJsonString() ?? "missing"} is not one of {string.Join(", ", DTypeNames)}");
        var shape = Longs(entry["shape"]);
        if (shape is null || shape.Any(s => s < 0))
            throw Bad(path, $"tensor '{name}': shape {entry["shape"]?.ToJsonString() ?? "missing"} is not a list of non-negative integers");
        var offsets = Longs(entry["data_offsets"]);
        if (offsets is not { Length: 2 } || offsets[0] < 0 || offsets[1] < offsets[0])
            throw Bad(path, $"tensor '{name}': data_offsets {entry["data_offsets"]?.ToJsonString() ?? "missing"} is not [begin, end] with 0 <= begin <= end");
        long count = 1;
        foreach (var s in shape)
            count = checked(count * s);
        if (checked(count * dtype.Size) != offsets[1] - offsets[0])
            throw Bad(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype.Name} needs {count * dtype.Size} bytes, but data_offsets span {offsets[1] - offsets[0]}");
        return (name, dtype.Type, shape, offsets[0], offsets[1]);
    }

    private static long[]? Longs(JsonNode? node)
    {
        if (node is not JsonArray array)
            return null;
        var result = new long[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonValue v || !v.TryGetValue<long>(out result[i]))
                return null;
        }
        return result;
    }

    private static byte[] Bytes(Tensor value)
    {
        using var scope = NewDisposeScope();
        // Tensors are stored little-endian; every machine TorchSharp runs on is little-endian.
        var cpu = value.detach().cpu().contiguous();
        return cpu.numel() == 0 ? [] : cpu.bytes.ToArray();
    }

    private static Tensor FromBytes(Span<byte> data, ScalarType type, long[] shape)
    {
        var result = empty(shape, dtype: type);
        if (data.Length > 0)
            result.bytes = data;
        return result;
    }

    private static InvalidDataException Bad(string path, string what) =>
        new($"{path}: not a valid safetensors file: {what}.");
}
