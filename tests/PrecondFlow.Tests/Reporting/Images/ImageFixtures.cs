using System.Runtime.InteropServices;
using SkiaSharp;

namespace PrecondFlow.Tests.Reporting.Images;

/// <summary>Small PNG and JPEG files written with SkiaSharp, in the format their extension names.</summary>
internal static class ImageFixtures
{
    /// <summary>Writes a <paramref name="width"/> × <paramref name="height"/> image whose pixel (x, y) is <paramref name="pixel"/>(x, y),
    /// as a grayscale file (one 8-bit channel, the red value) or an RGB one; returns the path.</summary>
    public static string Write(string path, int width, int height, Func<int, int, SKColor> pixel, bool grayscale)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var info = new SKImageInfo(width, height, grayscale ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        int bytesPerPixel = grayscale ? 1 : 4;
        var bytes = new byte[bitmap.RowBytes * height];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            var color = pixel(x, y);
            int at = y * bitmap.RowBytes + x * bytesPerPixel;
            bytes[at] = color.Red;
            if (!grayscale)
                (bytes[at + 1], bytes[at + 2], bytes[at + 3]) = (color.Green, color.Blue, 255);
        }
        Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        var format = Path.GetExtension(path).ToLowerInvariant() == ".png" ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
        using var data = bitmap.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>An image of one gray level.</summary>
    public static string Gray(string path, int width, int height, byte level) =>
        Write(path, width, height, (_, _) => new SKColor(level, level, level), grayscale: true);

    /// <summary>An RGB image of one colour.</summary>
    public static string Colour(string path, int width, int height, SKColor colour) =>
        Write(path, width, height, (_, _) => colour, grayscale: false);

    /// <summary>An 8 × 8 grayscale PNG of random pixels from <paramref name="random"/>.</summary>
    public static string Noise(string path, Random random, int side = 8) =>
        Write(path, side, side, (_, _) => { byte v = (byte)random.Next(256); return new SKColor(v, v, v); }, grayscale: true);
}
