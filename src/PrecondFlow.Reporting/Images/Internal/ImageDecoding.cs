using SkiaSharp;

namespace PrecondFlow.Images.Internal;

/// <summary>PNG and JPEG files decoded with SkiaSharp: the header alone, or every pixel as RGBA; a damaged file is an error naming it.</summary>
internal static class ImageDecoding
{
    /// <summary>What an image file's header says: its size and whether it is grayscale (one 8-bit channel).</summary>
    public readonly record struct Header(int Width, int Height, bool Grayscale);

    /// <exception cref="InvalidDataException">The file is not a PNG or JPEG image SkiaSharp can read.</exception>
    public static Header ReadHeader(string path)
    {
        using var codec = Open(path);
        return new Header(codec.Info.Width, codec.Info.Height, codec.Info.ColorType == SKColorType.Gray8);
    }

    /// <summary>Every pixel of the file as unpremultiplied RGBA (grayscale gives R = G = B).</summary>
    /// <exception cref="InvalidDataException">The file is damaged or truncated.</exception>
    public static SKBitmap DecodeRgba(string path)
    {
        using var codec = Open(path);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success)
            return bitmap;
        bitmap.Dispose();
        throw Unreadable(path, result == SKCodecResult.IncompleteInput
            ? "the file ends before the image does (truncated)"
            : $"decoding failed ({result})");
    }

    /// <summary>
    /// <paramref name="bitmap"/> resized to <paramref name="width"/> × <paramref name="height"/> with bilinear filtering
    /// (and mipmaps when shrinking); the bitmap itself when it already has that size. The caller disposes both.
    /// </summary>
    public static SKBitmap Resize(SKBitmap bitmap, int width, int height, string path)
    {
        if (bitmap.Width == width && bitmap.Height == height)
            return bitmap;
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        return bitmap.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw Unreadable(path, $"it could not be resized from {bitmap.Width}×{bitmap.Height} to {width}×{height}");
    }

    private static SKCodec Open(string path)
    {
        var codec = SKCodec.Create(path, out var result);
        return codec ?? throw Unreadable(path, result == SKCodecResult.IncompleteInput
            ? "the file ends before its header does (truncated)"
            : "it is not a PNG or JPEG image SkiaSharp can decode (damaged, or another format under an image extension)");
    }

    private static InvalidDataException Unreadable(string path, string reason) =>
        new($"The image '{path}' cannot be read: {reason}. Replace or remove the file.");
}
