using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using PrecondFlow.IO;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data;

/// <summary>
/// Every reader of outside input, fed <see cref="Cases"/> seeded mutations of a valid file (bit flips, truncations,
/// insertions, deletions, duplicated spans, bytes that matter to the format, and headers that lie about the size), either
/// reads it or throws its documented exception (<see cref="DataFormatException"/> for data files,
/// <see cref="InvalidDataException"/> for manifests), within <see cref="Limit"/>: never another exception, a hang, or an
/// allocation sized by a header the file cannot back.
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Cases = 1000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-fuzz-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void PointCloudCsv() => Fuzz("points.csv", 1,
        Encoding.UTF8.GetBytes("x1,x2,label\n0.25,-1.5,0\n3e-2,2.0,1\n-0.75,0.5,1\n1,2,0\n"),
        path => PrecondFlow.Data.PointCloudCsv.Read(path).Points.Dispose(), typeof(DataFormatException));

    [Fact]
    public void Npy() => Fuzz("array.npy", 2, NpyBytes(), path => NpyFile.Read(path).Dispose(), typeof(DataFormatException), LieAboutNpyShape);

    [Fact]
    public void IdxRaw() => Fuzz("images-idx3-ubyte", 3, IdxBytes(), path => IdxFile.Read(path), typeof(DataFormatException), LieAboutIdxShape);

    [Fact]
    public void IdxGzip() => Fuzz("images-idx3-ubyte.gz", 4, Gzip(IdxBytes()), path => IdxFile.Read(path), typeof(DataFormatException),
        // Half the cases damage the compressed stream; the other half compress a damaged (or lying) IDX file.
        (bytes, random) => random.Next(2) == 0 ? bytes : Gzip(LieAboutIdxShape(Mutate(IdxBytes(), random), random)));

    [Fact]
    public void MnistJsonDigitFile() => Fuzz("0.json", 5,
        Encoding.UTF8.GetBytes("{\"data\": [" + string.Join(",", Enumerable.Range(0, 784).Select(i => i % 7 == 0 ? "0.5" : "0")) + "]}"),
        path => MnistJsonDigits.ReadDigitFile(path), typeof(DataFormatException));

    [Fact]
    public void FolderManifest()
    {
        var source = Path.Combine(folder, "source");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "weights.bin"), [1, 2, 3, 4]);
        PrecondFlow.IO.FolderManifest.Write(source, "thing.json", "thing", new { width = 3, rate = 0.5, name = "x" },
            new { step = 7, losses = new[] { 0.5, 0.25 } }, ["weights.bin"]);
        var valid = File.ReadAllBytes(Path.Combine(source, "thing.json"));
        File.Copy(Path.Combine(source, "weights.bin"), Path.Combine(folder, "weights.bin"));
        Fuzz("thing.json", 6, valid, path =>
        {
            var manifest = PrecondFlow.IO.FolderManifest.Read(folder, "thing.json", "thing");
            manifest.Get<int>("settings.width");
            manifest.Get<double>("settings.rate");
            manifest.Get<string>("settings.name");
            manifest.GetOr("step", 0);
        }, typeof(InvalidDataException));
    }

    [Theory]
    [InlineData("(1000000000000,)")]
    [InlineData("(3037000500, 3037000500)")]
    [InlineData("(4294967296, 4294967296, 4)")]
    public void AnNpyHeaderClaimingMoreElementsThanTheFileHoldsIsRefusedBeforeAllocating(string shape)
    {
        // Found by Npy(): a product of extents beyond 2⁶³ threw OverflowException instead of the format error.
        var path = Path.Combine(folder, "lying.npy");
        var text = Encoding.Latin1.GetString(NpyBytes()).Replace("'shape': (4, 3)", $"'shape': {shape}");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => NpyFile.Read(path).Dispose());
        Assert.Contains("lying.npy", e.Message);
        // Nothing near the claimed size was allocated on this thread (the reader runs on it): the file (about 200 bytes)
        // and the message are all there is; 1 MiB leaves room for the runtime's own.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void AnIdxHeaderClaimingTwoBillionElementsIsRefusedBeforeAllocating()
    {
        var path = Path.Combine(folder, "lying-idx3-ubyte");
        var bytes = IdxBytes();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), int.MaxValue);
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    private void Fuzz(string name, int seed, byte[] valid, Action<string> read, Type documented,
        Func<byte[], Random, byte[]>? special = null)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, valid);
        read(path); // the unmutated file reads
        int accepted = 0, refused = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Cases; i++)
        {
            var random = new Random(seed * 1_000_003 + i);
            var bytes = Mutate(valid, random);
            if (special is not null && random.Next(3) == 0)
                bytes = special(bytes, random);
            File.WriteAllBytes(path, bytes);
            var task = Task.Run(() => read(path));
            try
            {
                if (!task.Wait(Limit))
                {
                    failures.Add($"case {i}: no answer within {Limit.TotalSeconds} s");
                    break; // the reader still runs on the file: later cases would race with it
                }
                accepted++;
            }
            catch (AggregateException a) when (a.InnerException is { } e)
            {
                if (documented.IsInstanceOfType(e))
                    refused++;
                else
                    failures.Add($"case {i}: {e.GetType().Name}: {e.Message} (input: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 64)))})");
            }
        }
        output.WriteLine($"{name}: {Cases} mutated inputs in {clock.Elapsed.TotalSeconds:0.0} s: {accepted} read, {refused} refused with " +
            $"{documented.Name}, {failures.Count} other outcomes");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    /// <summary>One to three seeded mutations of <paramref name="valid"/>.</summary>
    internal static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    var inserted = new byte[random.Next(1, 9)];
                    random.NextBytes(inserted);
                    bytes.InsertRange(at, inserted);
                    break;
                case 3:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 17)));
                    break;
                case 4:
                    bytes[at] = "-9.,\n\"{}[]e:()'"u8[random.Next(15)] is var c && random.Next(4) > 0 ? c : (byte)(random.Next(2) * 0xff);
                    break;
                default:
                    var span = bytes.GetRange(at, Math.Min(bytes.Count - at, random.Next(1, 33)));
                    bytes.InsertRange(random.Next(bytes.Count), span);
                    break;
            }
        }
        return bytes.ToArray();
    }

    private static byte[] NpyBytes()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var array = arange(12, dtype: ScalarType.Float32).reshape(4, 3))
                NpyFile.Write(path, array);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Replaces the shape in an NPY header by one the file cannot hold (10¹² elements and more).</summary>
    internal static byte[] LieAboutNpyShape(byte[] bytes, Random random)
    {
        var text = Encoding.Latin1.GetString(bytes);
        int start = text.IndexOf("'shape': (", StringComparison.Ordinal);
        int end = start < 0 ? -1 : text.IndexOf(')', start);
        if (end < 0)
            return bytes;
        string[] lies = ["(1000000000000,)", "(1000000, 1000000)", "(9223372036854775807, 2)", "(4294967296, 4294967296, 4)", "(3037000500, 3037000500)"];
        var lie = lies[random.Next(lies.Length)];
        return Encoding.Latin1.GetBytes(text[..(start + "'shape': ".Length)] + lie + text[(end + 1)..]);
    }

    private static byte[] IdxBytes()
    {
        var bytes = new List<byte> { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4 };
        bytes.AddRange(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)));
        return bytes.ToArray();
    }

    /// <summary>Sets one dimension of an IDX header to a size the file cannot hold.</summary>
    internal static byte[] LieAboutIdxShape(byte[] bytes, Random random)
    {
        if (bytes.Length < 16)
            return bytes;
        var copy = (byte[])bytes.Clone();
        int[] lies = [int.MaxValue, 1_000_000, 65_536, random.Next()];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(4 + 4 * random.Next(3)), lies[random.Next(lies.Length)]);
        return copy;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(bytes);
        return buffer.ToArray();
    }
}
