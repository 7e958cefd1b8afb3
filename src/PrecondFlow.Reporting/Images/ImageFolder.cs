using PrecondFlow.Data;
using PrecondFlow.Images.Internal;
using SkiaSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// Reads a folder of images laid out as torchvision's <c>ImageFolder</c>: one sub-folder per class (the sub-folders' names in
/// ordinal order give labels 0 … K − 1), each holding that class's PNG and JPEG images, also in nested folders, read in
/// ordinal order of their paths. Other files are skipped and listed. Every image is brought to one shape (see
/// <see cref="ImageFolderOptions"/>) and its 8-bit values v are mapped to 2·v/255 − 1 ∈ [−1, 1]. Grayscale from colour is
/// the luma 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, as PIL's "L" mode); RGB from grayscale repeats the gray value.
/// Alpha is ignored.
/// </summary>
public static class ImageFolder
{
    /// <summary>The file extensions read as images (case-insensitive).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    /// <summary>Reads every image under <paramref name="folder"/>; see the type's summary.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ArgumentException">The folder has no class sub-folders, or a class sub-folder has no image.</exception>
    /// <exception cref="InvalidDataException">An image file is damaged or truncated; the message names it.</exception>
    public static ImageFolderData Read(string folder, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        options.Validate();
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The image folder '{folder}' does not exist.");
        var (files, classNames, skipped) = List(folder);

        var headers = files.Select(file => ImageDecoding.ReadHeader(file.Path)).ToArray();
        int channels = options.Channels ?? (headers.All(h => h.Grayscale) ? 1 : 3);
        var (width, height) = options.Size is { } side ? (side, side) : (headers[0].Width, headers[0].Height);
        long imageSize = (long)channels * height * width;
        var pixels = new float[checked(files.Count * imageSize)];
        int reshaped = 0;
        for (int i = 0; i < files.Count; i++)
        {
            using var decoded = ImageDecoding.DecodeRgba(files[i].Path);
            bool sameSize = decoded.Width == width && decoded.Height == height;
            reshaped += sameSize ? 0 : 1;
            if (options.Size is { } s)
                WriteCentreCrop(decoded, s, files[i].Path, channels, pixels.AsSpan().Slice((int)(i * imageSize), (int)imageSize));
            else
            {
                var resized = ImageDecoding.Resize(decoded, width, height, files[i].Path);
                try
                {
                    WritePixels(resized, 0, 0, width, height, channels, pixels.AsSpan().Slice((int)(i * imageSize), (int)imageSize));
                }
                finally
                {
                    if (!ReferenceEquals(resized, decoded))
                        resized.Dispose();
                }
            }
        }

        var conversions = Conversions(headers, files, folder, options, channels, width, height, reshaped);
        var labels = files.Select(file => (long)file.Label).ToArray();
        var points = new PointCloud(tensor(pixels, [files.Count, imageSize], ScalarType.Float32), tensor(labels, [files.Count], ScalarType.Int64),
            classNames.Count) { ImageShape = [channels, height, width] };
        return new ImageFolderData(points, classNames, skipped, conversions);
    }

    private static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The image files with their labels, the class names, and the other files (relative paths), all in ordinal order.</summary>
    private static (List<(string Path, int Label)> Files, List<string> ClassNames, List<string> Skipped) List(string folder)
    {
        var skipped = Directory.GetFiles(folder).Select(file => Path.GetRelativePath(folder, file)).Order(StringComparer.Ordinal).ToList();
        var classFolders = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).ToArray();
        if (classFolders.Length == 0)
            throw new ArgumentException(
                $"The image folder '{folder}' holds no class sub-folders{(skipped.Count > 0 ? $" (only {skipped.Count} files)" : "")}: put the images of " +
                $"each class in a sub-folder of its own, e.g. {Path.Combine(folder, "cat", "001.png")}.");
        var files = new List<(string, int)>();
        var classNames = new List<string>();
        foreach (var classFolder in classFolders)
        {
            var name = Path.GetFileName(classFolder);
            var all = Directory.GetFiles(classFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            var images = all.Where(IsImage).ToArray();
            if (images.Length == 0)
                throw new ArgumentException(
                    $"The class folder '{name}' of '{folder}' holds no PNG or JPEG image{(all.Length > 0 ? $" (only {all.Length} other files)" : "")}; " +
                    "add images or remove the folder.");
            files.AddRange(images.Select(image => (image, classNames.Count)));
            skipped.AddRange(all.Where(file => !IsImage(file)).Select(file => Path.GetRelativePath(folder, file)));
            classNames.Add(name);
        }
        return (files, classNames, skipped);
    }

    /// <summary>Resizes so that the shorter side is <paramref name="side"/> (the longer one ⌊side · long / short⌋, as torchvision),
    /// then writes the central side × side square (offsets rounded half to even, as torchvision).</summary>
    private static void WriteCentreCrop(SKBitmap bitmap, int side, string path, int channels, Span<float> destination)
    {
        int w = bitmap.Width, h = bitmap.Height;
        var (newW, newH) = w <= h ? (side, (int)((long)side * h / w)) : ((int)((long)side * w / h), side);
        var resized = ImageDecoding.Resize(bitmap, newW, newH, path);
        try
        {
            int left = (int)Math.Round((newW - side) / 2.0), top = (int)Math.Round((newH - side) / 2.0);
            WritePixels(resized, left, top, side, side, channels, destination);
        }
        finally
        {
            if (!ReferenceEquals(resized, bitmap))
                resized.Dispose();
        }
    }

    /// <summary>The <paramref name="width"/> × <paramref name="height"/> window at (<paramref name="left"/>, <paramref name="top"/>)
    /// as <paramref name="channels"/> planes of values in [−1, 1].</summary>
    private static void WritePixels(SKBitmap bitmap, int left, int top, int width, int height, int channels, Span<float> destination)
    {
        var source = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes, plane = width * height;
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            int at = (top + y) * rowBytes + (left + x) * 4;
            byte r = source[at], g = source[at + 1], b = source[at + 2];
            int to = y * width + x;
            if (channels == 1)
                destination[to] = Signed(0.299f * r + 0.587f * g + 0.114f * b);
            else
            {
                destination[to] = Signed(r);
                destination[plane + to] = Signed(g);
                destination[2 * plane + to] = Signed(b);
            }
        }
    }

    private static float Signed(float value) => Math.Clamp(value / 255f * 2f - 1f, -1f, 1f);

    private static List<string> Conversions(ImageDecoding.Header[] headers, List<(string Path, int Label)> files, string folder,
        ImageFolderOptions options, int channels, int width, int height, int reshaped)
    {
        var notes = new List<string>();
        if (reshaped > 0)
        {
            int first = Enumerable.Range(0, headers.Length).First(i => headers[i].Width != width || headers[i].Height != height);
            var example = $"e.g. '{Path.GetRelativePath(folder, files[first].Path)}', {headers[first].Width}×{headers[first].Height}";
            notes.Add(options.Size is { } side
                ? $"{reshaped} of {files.Count} images resized (shorter side {side}) and centre-cropped to {side}×{side} ({example})"
                : $"{reshaped} of {files.Count} images resized to the first image's {width}×{height} ({example}); pass --image-size to resize and crop instead");
        }
        int converted = headers.Count(h => h.Grayscale != (channels == 1));
        if (converted > 0)
            notes.Add(channels == 1
                ? $"{converted} of {files.Count} colour images converted to grayscale"
                : $"{converted} of {files.Count} grayscale images converted to RGB");
        return notes;
    }
}
