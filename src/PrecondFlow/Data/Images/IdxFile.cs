using System.Buffers.Binary;
using System.IO.Compression;

namespace PrecondFlow.Data.Images;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
/// two zero bytes, an element-type byte, the number of dimensions, one big-endian int32 per
/// dimension, then the elements in row-major order. Only element type 0x08 (unsigned byte) is
/// supported. Files may be gzip-compressed; compression is recognised by the gzip signature
/// (1f 8b) at the start, not by the file name.
/// </summary>
internal static class IdxFile
{
    /// <summary>The element-type byte of unsigned bytes, the only type this reader handles.</summary>
    public const byte UnsignedByte = 0x08;

    /// <summary>
    /// Reads the array in <paramref name="path"/>, raw or gzip-compressed. The data must fill the
    /// file exactly: bytes after the last element are an error, since they mean the header does not
    /// describe the data.
    /// </summary>
    /// <exception cref="DataFormatException">Missing file, corrupt gzip data, a bad magic number, an
    /// element type other than 0x08, a negative or oversized dimension, or data shorter or longer
    /// than the header says.</exception>
    public static IdxArray Read(string path)
    {
        if (!File.Exists(path))
            throw DataFormatException.FileNotFound(path);
        var bytes = File.ReadAllBytes(path);
        var compressed = IsGzip(bytes);
        if (compressed)
            bytes = Gunzip(path, bytes);
        return Parse(path, bytes, compressed);
    }

    /// <summary>Whether <paramref name="bytes"/> starts with the gzip signature 1f 8b.</summary>
    internal static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    private static byte[] Gunzip(string path, byte[] compressed)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            // Images compress about 2:1; start there to avoid most of the buffer's regrowth.
            using var output = new MemoryStream(capacity: checked((int)Math.Min(2L * compressed.Length + 4096, Array.MaxLength)));
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw DataFormatException.CorruptGzip(path, e.Message, e);
        }
    }

    /// <summary>Parses the decompressed contents of an IDX file.</summary>
    /// <param name="path">The file the bytes came from, named in error messages.</param>
    /// <param name="bytes">The whole (decompressed) file: header, then the elements.</param>
    /// <param name="compressed">Whether <paramref name="bytes"/> came out of gzip, so that byte counts in messages say so.</param>
    internal static IdxArray Parse(string path, byte[] bytes, bool compressed = false)
    {
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw DataFormatException.NotIdx(path, bytes);
        var type = bytes[2];
        if (type != UnsignedByte)
            throw DataFormatException.UnsupportedIdxType(path, type);

        int rank = bytes[3];
        var headerLength = 4 + 4 * rank;
        if (bytes.Length < headerLength)
            throw DataFormatException.Truncated(path, headerLength, bytes.Length, $"the IDX header of a {rank}-dimensional array");
        var shape = new int[rank];
        var count = 1L;
        for (var i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            count *= Math.Max(shape[i], 0);
            if (shape[i] < 0 || count > Array.MaxLength)
                throw DataFormatException.BadIdxDimension(path, i, shape[i]);
        }

        var decompressed = compressed ? " (after decompression)" : "";
        var what = $"the IDX header plus data of shape ({string.Join(", ", shape)}), one byte per element{decompressed},";
        var available = (long)bytes.Length - headerLength;
        if (available < count)
            throw DataFormatException.Truncated(path, headerLength + count, bytes.Length, what);
        if (available > count)
            throw DataFormatException.TrailingBytes(path, headerLength + count, bytes.Length, what.TrimEnd(','));
        return new IdxArray(shape, bytes.AsSpan(headerLength).ToArray());
    }
}
