using System.Buffers.Binary;
using System.Text;
using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data;

public class NpyFileTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>An .npy file as NumPy writes it, with a header dict of our choosing.</summary>
    private static byte[] NpyBytes(string dict, byte[] data, int major = 1, int minor = 0, int align = 64)
    {
        var preamble = major == 1 ? 10 : 12;
        var total = preamble + dict.Length + 1;
        var header = dict + new string(' ', (align - total % align) % align) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add((byte)major);
        bytes.Add((byte)minor);
        var length = new byte[major == 1 ? 2 : 4];
        if (major == 1)
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        bytes.AddRange(length);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private static byte[] Doubles(params double[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void TheHeaderHasTheLayoutNumPyExpects()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("a.npy");
        NpyFile.Write(path, arange(6, ScalarType.Float32).reshape(3, 2));
        var bytes = File.ReadAllBytes(path);

        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        // Magic, version, length field and header (its newline included) end on a multiple of 64.
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", header);
        Assert.Matches(@"^\{[^\n]*\} *\n$", header);
        Assert.Equal(10 + headerLength + 6 * 4, bytes.Length);
        Assert.Equal(BitConverter.GetBytes(5f), bytes[^4..]);
    }

    [Fact]
    public void AHeaderTooLongForSixteenBitsSwitchesToVersionTwo()
    {
        // A rank of 22000 makes the shape tuple alone ~66000 characters, beyond version 1.0's uint16 length.
        var shape = Enumerable.Repeat(1L, 22_000).ToArray();
        var header = NpyFile.Header("<f4", shape);
        Assert.Equal(2, header[6]);
        Assert.Equal(0, header.Length % 64);
        Assert.Equal(header.Length - 12, (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8)));
        var parsed = NpyFile.ReadHeader("big.npy", header);
        Assert.Equal(("<f4", header.Length), (parsed.Descr, parsed.DataOffset));
        Assert.Equal(shape, parsed.Shape);
    }

    [Fact]
    public void OneDimensionalShapesAreWrittenAsOneTuples()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("v.npy");
        NpyFile.Write(path, arange(5, ScalarType.Int64));
        Assert.Contains("'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", Encoding.ASCII.GetString(File.ReadAllBytes(path)));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int64)]
    public void ArraysOfEverySupportedTypeAndRankReadBackBitForBit(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(2);
        foreach (long[] shape in new[] { new long[] { 7 }, [4, 3], [2, 3, 4], [0, 2] })
        {
            var array = (randn(shape, ScalarType.Float64, generator: generator) * 1e6).to(dtype);
            var path = folder.File($"a{shape.Length}.npy");
            NpyFile.Write(path, array);
            TensorBits.AssertIdentical(array, NpyFile.Read(path));
        }
    }

    [Fact]
    public void FilesAsNumPyWritesThemAreRead()
    {
        using var scope = NewDisposeScope();
        // NumPy ≥ 1.x adds spare spaces after the dict; key order and quote style may vary; version 2.0 and 3.0 have 4-byte lengths.
        var data = Doubles(1, 2, 3, 4);
        var files = new[]
        {
            NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }" + new string(' ', 20), data),
            NpyBytes("{'shape': (2, 2), 'fortran_order': False, 'descr': '<f8'}", data, align: 16),
            NpyBytes("{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,2)}", data, major: 2),
            NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", data, major: 3),
        };
        foreach (var bytes in files)
        {
            var array = NpyFile.Read(folder.WriteBytes("n.npy", bytes));
            Assert.Equal(new long[] { 2, 2 }, array.shape);
            Assert.Equal(new[] { 1.0, 2, 3, 4 }, array.data<double>().ToArray());
        }
    }

    [Fact]
    public void AFileWithoutTheMagicIsNotNpy()
    {
        var error = Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteText("points.npy", "x1,x2\n1,2\n")));
        Assert.StartsWith("points.npy: not a NumPy .npy file", error.Message);
    }

    [Fact]
    public void TruncatedDataIsReportedWithTheBytesMissing()
    {
        var bytes = NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", Doubles(1, 2, 3, 4));
        var error = Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteBytes("points.npy", bytes[..^5])));
        Assert.StartsWith("points.npy: truncated: the data of shape (2, 2) and dtype '<f8' needs 32 bytes, but only 27 are there.", error.Message);
    }

    [Fact]
    public void ATruncatedHeaderIsReported()
    {
        var bytes = NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", []);
        var error = Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteBytes("points.npy", bytes[..40])));
        Assert.StartsWith("points.npy: truncated: the .npy header needs 128 bytes, but only 40 are there.", error.Message);
        error = Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteBytes("points.npy", bytes[..7])));
        Assert.StartsWith("points.npy: truncated: the .npy preamble", error.Message);
    }

    [Theory]
    [InlineData("<f2", "points.npy: dtype '<f2' is not supported; use one of '<f4', '<f8', '<i4', '<i8'.")]
    [InlineData("|u1", "points.npy: dtype '|u1' is not supported")]
    [InlineData(">f8", "points.npy: dtype '>f8' is big-endian; only little-endian data is supported.")]
    public void UnsupportedAndBigEndianDtypesAreNamed(string descr, string start)
    {
        var bytes = NpyBytes($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}", new byte[16]);
        var error = Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteBytes("points.npy", bytes)));
        Assert.StartsWith(start, error.Message);
    }

    [Fact]
    public void StructuredDtypesAreUnsupported()
    {
        var bytes = NpyBytes("{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (2,), }", new byte[16]);
        var error = Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteBytes("points.npy", bytes)));
        Assert.StartsWith("points.npy: dtype 'structured (record) dtype' is not supported", error.Message);
    }

    [Fact]
    public void FortranOrderIsRejectedWithTheFix()
    {
        var bytes = NpyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", Doubles(1, 2, 3, 4));
        var error = Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteBytes("points.npy", bytes)));
        Assert.Equal("points.npy: the array is stored in Fortran (column-major) order; only C order is supported. " +
                     "In NumPy: np.save(path, np.ascontiguousarray(a)).", error.Message);
    }

    [Fact]
    public void UnknownVersionsAndMalformedHeadersAreReported()
    {
        var future = NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", Doubles(1));
        future[6] = 4;
        Assert.StartsWith("points.npy: .npy format version 4.0 is not supported",
            Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteBytes("points.npy", future))).Message);

        var noShape = NpyBytes("{'descr': '<f8', 'fortran_order': False, }", Doubles(1));
        Assert.StartsWith("points.npy: the .npy header is malformed (no 'shape' entry).",
            Assert.Throws<DataFormatException>(() => NpyFile.Read(folder.WriteBytes("points.npy", noShape))).Message);
    }

    [Fact]
    public void OnlyTheFourSupportedTensorTypesCanBeWritten()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => NpyFile.Write(folder.File("h.npy"), ones(2, ScalarType.Float16)));
        Assert.Contains("Cannot write a Float16 tensor as .npy", error.Message);
        Assert.Empty(folder.Files());
    }
}
