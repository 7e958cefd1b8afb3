using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PrecondFlow.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Data;

/// <summary>
/// Reads and writes single arrays in NumPy's .npy format (versions 1.0, 2.0 and 3.0 read; 1.0, or 2.0
/// for huge headers, written). Supported element types: little-endian float32 ('&lt;f4'), float64
/// ('&lt;f8'), int32 ('&lt;i4') and int64 ('&lt;i8'), any rank, C (row-major) order.
/// Layout: the magic bytes \x93NUMPY, the version (2 bytes), the header length (uint16 in 1.0,
/// uint32 in 2.0/3.0), a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 2), }</c> padded with spaces and a
/// final newline so that the data starts at a multiple of 64 bytes, then the raw data.
/// </summary>
public static partial class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The element types this reader and writer handle, as NumPy spells them.</summary>
    public static IReadOnlyList<string> SupportedDtypes { get; } = ["<f4", "<f8", "<i4", "<i8"];

    /// <summary>
    /// Reads the array in <paramref name="path"/> as a CPU tensor of the stored type and shape.
    /// Trailing bytes after the data are ignored, as NumPy does.
    /// </summary>
    /// <exception cref="DataFormatException">Missing file, bad magic, unsupported version, dtype,
    /// byte order or Fortran order, malformed header, or data shorter than the header promises.</exception>
    public static Tensor Read(string path)
    {
        if (!File.Exists(path))
            throw DataFormatException.FileNotFound(path);
        var bytes = File.ReadAllBytes(path);
        var header = ReadHeader(path, bytes);
        var (type, itemSize) = header.Descr switch
        {
            "<f4" => (ScalarType.Float32, 4),
            "<f8" => (ScalarType.Float64, 8),
            "<i4" => (ScalarType.Int32, 4),
            "<i8" => (ScalarType.Int64, 8),
            _ => throw new InvalidOperationException("ReadHeader accepts only supported dtypes."),
        };

        var available = bytes.LongLength - header.DataOffset;
        // The size comes from the header: compared with the file's length before anything is allocated, and guarded
        // against a product that overflows (a lying header, not an arithmetic bug).
        long count = 1, needed;
        try
        {
            foreach (var extent in header.Shape)
                count = checked(count * extent);
            needed = checked(count * itemSize);
        }
        catch (OverflowException)
        {
            throw DataFormatException.ShapeTooLarge(path, header.Shape, available);
        }
        if (available < needed)
            throw DataFormatException.Truncated(path, needed, available,
                $"the data of shape {DataFormatException.NpyShape(header.Shape)} and dtype '{header.Descr}'");

        var tensor = empty(header.Shape.ToArray(), type);
        if (count > 0)
            tensor.bytes = bytes.AsSpan(header.DataOffset, (int)needed);
        return tensor;
    }

    /// <summary>
    /// Writes <paramref name="array"/> (float32, float64, int32 or int64; any rank and device) to
    /// <paramref name="path"/> atomically, in C order.
    /// </summary>
    public static void Write(string path, Tensor array) => AtomicFile.WriteAllBytes(path, Encode(array));

    /// <summary>The complete file contents for <paramref name="array"/>: header then data.</summary>
    internal static byte[] Encode(Tensor array)
    {
        var descr = array.dtype switch
        {
            ScalarType.Float32 => "<f4",
            ScalarType.Float64 => "<f8",
            ScalarType.Int32 => "<i4",
            ScalarType.Int64 => "<i8",
            _ => throw new ArgumentException(
                $"Cannot write a {array.dtype} tensor as .npy; supported types are Float32, Float64, Int32 and Int64. " +
                "Convert it first, e.g. tensor.to(ScalarType.Float32).", nameof(array)),
        };
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Writing .npy files needs a little-endian machine.");

        using var scope = NewDisposeScope();
        var data = array.detach().cpu().contiguous();
        var header = Header(descr, data.shape);
        var dataLength = checked((int)(data.NumberOfElements * data.ElementSize));
        var result = new byte[checked(header.Length + dataLength)];
        header.CopyTo(result, 0);
        if (dataLength > 0)
            data.bytes.CopyTo(result.AsSpan(header.Length));
        return result;
    }

    /// <summary>
    /// The preamble and header for an array: magic, version, length, dict, spaces and a newline, in
    /// total a multiple of 64 bytes (NumPy's alignment). Version 2.0 only when the header would not
    /// fit a 16-bit length.
    /// </summary>
    internal static byte[] Header(string descr, IReadOnlyList<long> shape)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {DataFormatException.NpyShape(shape)}, }}";
        foreach (var (major, lengthSize) in new[] { (1, 2), (2, 4) })
        {
            var preamble = Magic.Length + 2 + lengthSize;
            var total = preamble + dict.Length + 1;
            var padded = (total + 63) / 64 * 64;
            var headerLength = padded - preamble;
            if (major == 1 && headerLength > ushort.MaxValue)
                continue;

            var bytes = new byte[padded];
            Magic.CopyTo(bytes);
            bytes[6] = (byte)major;
            bytes[7] = 0;
            if (major == 1)
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
            else
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLength);
            var text = dict + new string(' ', padded - total) + "\n";
            Encoding.ASCII.GetBytes(text, bytes.AsSpan(preamble));
            return bytes;
        }
        throw new InvalidOperationException("unreachable: a version 2.0 header always fits.");
    }

    /// <summary>What an .npy header says about the array that follows it.</summary>
    internal sealed record NpyHeader(string Descr, IReadOnlyList<long> Shape, int DataOffset);

    internal static NpyHeader ReadHeader(string path, byte[] bytes)
    {
        var magicLength = Math.Min(bytes.Length, Magic.Length);
        if (!bytes.AsSpan(0, magicLength).SequenceEqual(Magic[..magicLength]))
            throw DataFormatException.NotNpy(path);
        if (bytes.Length < 8)
            throw DataFormatException.Truncated(path, 8, bytes.Length, "the .npy preamble");

        int major = bytes[6], minor = bytes[7];
        if (major is < 1 or > 3 || minor != 0)
            throw DataFormatException.UnsupportedNpyVersion(path, major, minor);
        var lengthSize = major == 1 ? 2 : 4;
        var start = 8 + lengthSize;
        if (bytes.Length < start)
            throw DataFormatException.Truncated(path, start, bytes.Length, "the .npy preamble");
        long headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (bytes.Length < start + headerLength)
            throw DataFormatException.Truncated(path, start + headerLength, bytes.Length, "the .npy header");

        var encoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
        var text = encoding.GetString(bytes, start, (int)headerLength);

        var descrMatch = DescrPattern().Match(text);
        if (!descrMatch.Success)
        {
            if (StructuredDescrPattern().IsMatch(text))
                throw DataFormatException.UnsupportedDtype(path, "structured (record) dtype", SupportedDtypes);
            throw DataFormatException.BadNpyHeader(path, "no 'descr' entry", text);
        }
        var descr = descrMatch.Groups[1].Value;
        if (!SupportedDtypes.Contains(descr))
        {
            if (descr.StartsWith('>'))
                throw DataFormatException.BigEndian(path, descr);
            throw DataFormatException.UnsupportedDtype(path, descr, SupportedDtypes);
        }

        var fortranMatch = FortranPattern().Match(text);
        if (!fortranMatch.Success)
            throw DataFormatException.BadNpyHeader(path, "no 'fortran_order' entry", text);
        if (fortranMatch.Groups[1].Value == "True")
            throw DataFormatException.FortranOrder(path);

        var shapeMatch = ShapePattern().Match(text);
        if (!shapeMatch.Success)
            throw DataFormatException.BadNpyHeader(path, "no 'shape' entry", text);
        var shape = new List<long>();
        foreach (var part in shapeMatch.Groups[1].Value.Split(','))
        {
            var item = part.Trim();
            if (item.Length == 0)
                continue;
            if (!long.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var extent))
                throw DataFormatException.BadNpyHeader(path, $"shape entry '{item}' is not a whole number", text);
            shape.Add(extent);
        }

        return new NpyHeader(descr, shape, checked((int)(start + headerLength)));
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]descr['""]\s*:\s*\[")]
    private static partial Regex StructuredDescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
