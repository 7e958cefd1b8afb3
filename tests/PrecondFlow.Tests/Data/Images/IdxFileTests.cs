using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using static PrecondFlow.Tests.Data.Images.SyntheticImageFiles;

namespace PrecondFlow.Tests.Data.Images;

public class IdxFileTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static readonly byte[] TwoByThreeByTwo = Enumerable.Range(0, 12).Select(i => (byte)(i * 21 + 1)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RawAndGzippedFilesReadBackExactly(bool gzip)
    {
        var bytes = Idx([2, 3, 2], TwoByThreeByTwo);
        var path = folder.WriteBytes("cube.idx", gzip ? Gzip(bytes) : bytes);

        var array = IdxFile.Read(path);

        Assert.Equal([2, 3, 2], array.Shape);
        Assert.Equal(TwoByThreeByTwo, array.Data);
    }

    [Fact]
    public void GzipIsRecognisedByItsSignatureNotByTheName()
    {
        var labels = Idx([5], [9, 0, 255, 1, 7]);
        var gzipWithoutExtension = folder.WriteBytes("labels-idx1-ubyte", Gzip(labels));
        var rawWithGzExtension = folder.WriteBytes("labels-idx1-ubyte.gz", labels);

        Assert.Equal(new byte[] { 9, 0, 255, 1, 7 }, IdxFile.Read(gzipWithoutExtension).Data);
        Assert.Equal(new byte[] { 9, 0, 255, 1, 7 }, IdxFile.Read(rawWithGzExtension).Data);
    }

    [Fact]
    public void ZeroDimensionsAndEmptyExtentsAreValid()
    {
        var scalar = IdxFile.Read(folder.WriteBytes("scalar.idx", Idx([], [42])));
        Assert.Empty(scalar.Shape);
        Assert.Equal(new byte[] { 42 }, scalar.Data);
        var empty = IdxFile.Read(folder.WriteBytes("empty.idx", Idx([0, 28, 28], [])));
        Assert.Equal([0, 28, 28], empty.Shape);
        Assert.Empty(empty.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataSaysHowManyBytesWereExpectedAndFound(bool gzip)
    {
        var bytes = Idx([2, 3, 2], TwoByThreeByTwo)[..^5];
        var path = folder.WriteBytes("cut.idx", gzip ? Gzip(bytes) : bytes);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        // Header: 4 bytes of magic plus 3 extents of 4 bytes; data: 12 bytes; 5 bytes are missing.
        Assert.StartsWith("cut.idx: truncated: the IDX header plus data of shape (2, 3, 2)", error.Message);
        Assert.Contains("needs 28 bytes, but only 23 are there", error.Message);
        Assert.Equal(gzip, error.Message.Contains("after decompression", StringComparison.Ordinal));
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void ATruncatedHeaderIsReportedAsSuch()
    {
        var path = folder.WriteBytes("header.idx", Idx([60000, 28, 28], [])[..9]);
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Equal("header.idx: truncated: the IDX header of a 3-dimensional array needs 16 bytes, but only 9 are there. " +
                     "The file was probably cut short while being copied or written.", error.Message);
    }

    [Fact]
    public void TrailingBytesAreAnError()
    {
        var path = folder.WriteBytes("long.idx", [.. Idx([2, 3, 2], TwoByThreeByTwo), 0, 0, 0]);
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.StartsWith("long.idx: 3 unexpected bytes after the data: the IDX header plus data of shape (2, 3, 2)", error.Message);
        Assert.Contains("takes 28 bytes, but the file holds 31", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0, 0 }, "89 50 4e 47")]
    [InlineData(new byte[] { 0, 1, 8, 1, 0, 0, 0, 0 }, "00 01 08 01")]
    [InlineData(new byte[] { 0, 0 }, "00 00")]
    [InlineData(new byte[0], "nothing (the file is empty)")]
    public void AWrongMagicNumberIsNotAnIdxFile(byte[] bytes, string shown)
    {
        var path = folder.WriteBytes("picture.png", bytes);
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.StartsWith($"picture.png: not an IDX file: it starts with {shown}, but an IDX file starts with 00 00", error.Message);
    }

    [Theory]
    [InlineData(0x0D, "0x0D (float32)")]
    [InlineData(0x0C, "0x0C (int32)")]
    [InlineData(0x42, "0x42")]
    public void ElementTypesOtherThanUnsignedBytesAreRejected(byte type, string shown)
    {
        var path = folder.WriteBytes("floats.idx", Idx([1], [0, 0, 0, 0], type));
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.StartsWith($"floats.idx: IDX element type {shown} is not supported; only 0x08 (unsigned byte)", error.Message);
    }

    [Fact]
    public void ANegativeExtentIsRejectedWithoutAllocating()
    {
        var path = folder.WriteBytes("negative.idx", Idx([3, -1], []));
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.StartsWith("negative.idx: IDX dimension 1 (counting from 0) is -1", error.Message);
    }

    [Fact]
    public void AnExtentProductBeyondAnArrayIsRejectedWithoutAllocating()
    {
        // 65536² = 2³² elements: each extent is fine, their product exceeds the largest .NET array.
        var path = folder.WriteBytes("huge.idx", Idx([65536, 65536], []));
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.StartsWith("huge.idx: IDX dimension 1 (counting from 0) is 65536; dimensions must be zero or positive and their product must fit", error.Message);
    }

    [Fact]
    public void CorruptGzipDataNamesTheFile()
    {
        var gzip = Gzip(Idx([2, 3, 2], TwoByThreeByTwo));
        // Keep the 10-byte gzip header (signature included) and garble the deflate data after it.
        for (var i = 10; i < gzip.Length - 8; i++)
            gzip[i] = 0xFF;
        var path = folder.WriteBytes("broken-images.gz", gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        Assert.StartsWith("broken-images.gz: the file starts with the gzip signature (1f 8b) but cannot be decompressed (", error.Message);
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    [Fact]
    public void AGzipFileCutShortIsAnErrorNamingTheFile()
    {
        var gzip = Gzip(Idx([40, 28, 28], Enumerable.Range(0, 40 * 784).Select(i => (byte)(i * i % 251)).ToArray()));
        var path = folder.WriteBytes("cut.gz", gzip[..(gzip.Length / 2)]);
        // Depending on where the deflate stream breaks off, the decompressor either fails or stops early; both must be reported.
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.StartsWith("cut.gz: ", error.Message);
    }

    [Fact]
    public void AMissingFileSaysWhereItWasLookedFor()
    {
        var path = folder.File("absent-idx1-ubyte.gz");
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.StartsWith($"absent-idx1-ubyte.gz: file not found (looked for '{path}')", error.Message);
    }
}
