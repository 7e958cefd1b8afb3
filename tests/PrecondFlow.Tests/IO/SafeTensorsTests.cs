using System.Buffers.Binary;
using System.Text;
using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.IO;

/// <summary>The safetensors reader and writer: every dtype survives a round trip bit for bit, the data start 8-byte
/// aligned, and a damaged file is refused with a message naming the file and what is wrong.</summary>
public class SafeTensorsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-safetensors-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string FilePath => Path.Combine(folder, "t.safetensors");

    [Fact]
    public void EveryDTypeRoundTripsBitForBitWithItsMetadata()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var tensors = new List<(string, Tensor)>
        {
            ("f64", randn(3, 4, dtype: ScalarType.Float64, generator: generator)),
            ("f32", randn(5, dtype: ScalarType.Float32, generator: generator)),
            ("f16", randn(2, 2, generator: generator).to(ScalarType.Float16)),
            ("bf16", randn(2, 3, generator: generator).to(ScalarType.BFloat16)),
            ("i64", tensor(new long[] { long.MinValue, -1, 0, long.MaxValue })),
            ("i32", tensor(new[] { int.MinValue, 7 })),
            ("u8", tensor(new byte[] { 0, 255 })),
            ("bool", tensor(new[] { true, false, true })),
            ("empty", zeros(0, 3)),
            ("scalar", tensor(2.5f)),
        };
        SafeTensors.Write(FilePath, tensors, new Dictionary<string, string> { ["note"] = "ünïcode {json}" });

        using var content = SafeTensors.Read(FilePath);
        Assert.Equal("ünïcode {json}", content.Metadata["note"]);
        foreach (var (name, value) in tensors)
        {
            var back = content.Take(name, value.dtype, value.shape);
            Assert.True(back.bytes.SequenceEqual(value.contiguous().bytes), $"{name} changed in the round trip");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(FilePath));
        Assert.Equal(0UL, headerLength % 8);
    }

    [Fact]
    public void AHeaderLengthBeyondTheFileIsRefused()
    {
        WriteOne();
        var bytes = File.ReadAllBytes(FilePath);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        File.WriteAllBytes(FilePath, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(FilePath));
        Assert.Contains("t.safetensors", e.Message);
        Assert.Contains($"header length {bytes.Length}", e.Message);
    }

    [Fact]
    public void AnUnknownDTypeIsRefusedWithTheTensorName()
    {
        WriteHeader("""{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}""", 16);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(FilePath));
        Assert.Contains("tensor 'w': dtype \"F128\"", e.Message);
    }

    [Fact]
    public void AShapeThatDoesNotFitItsBytesIsRefusedWithTheTensorName()
    {
        WriteHeader("""{"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}}""", 16);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(FilePath));
        Assert.Contains("tensor 'w': shape [3, 2] of F32 needs 24 bytes, but data_offsets span 16", e.Message);
    }

    [Fact]
    public void OverlappingOrTrailingDataIsRefused()
    {
        WriteHeader("""{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}""", 6);
        Assert.Contains("tensor 'b': data_offsets start at 2, expected 4", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(FilePath)).Message);
        WriteHeader("""{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}""", 9);
        Assert.Contains("the tensors take 4 bytes but the file holds 9", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(FilePath)).Message);
    }

    [Fact]
    public void TakingATensorChecksItsDTypeAndShape()
    {
        WriteOne();
        using var content = SafeTensors.Read(FilePath);
        var e = Assert.Throws<InvalidDataException>(() => content.Take("w", ScalarType.Float32, [2, 3]));
        Assert.Contains("tensor 'w' should be Float32 [2, 3]; found Float32 [3, 2]", e.Message);
        e = Assert.Throws<InvalidDataException>(() => content.Take("w", ScalarType.Float64, [3, 2]));
        Assert.Contains("tensor 'w' should be Float64 [3, 2]; found Float32 [3, 2]", e.Message);
        Assert.Contains("tensor 'v' is missing", Assert.Throws<InvalidDataException>(() => content.Take("v", ScalarType.Float32, [1])).Message);
    }

    private void WriteOne()
    {
        using var w = ones(3, 2);
        SafeTensors.Write(FilePath, [("w", w)], new Dictionary<string, string>());
    }

    private void WriteHeader(string json, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(FilePath, bytes);
    }
}
