using PrecondFlow.IO;
using SkiaSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// Writes a batch of grayscale or RGB images as one PNG grid: cells of H·scale × W·scale pixels, row-major,
/// separated by <see cref="Gap"/> pixels of mid-gray, with optional text labels on the left of each row
/// (one row per class for sample grids; originals over reconstructions for a VAE check).
/// </summary>
public static class ImageGrid
{
    /// <summary>Pixels between cells and around the grid.</summary>
    public const int Gap = 2;
    /// <summary>Gray level of the gaps and margins, distinct from both ends of the image range.</summary>
    public const byte GapGray = 128;
    private const float LabelTextSize = 14;
    private const int LabelPadding = 4;

    /// <summary>Writes the grid to <paramref name="path"/> atomically.</summary>
    /// <param name="images">(n, 1, H, W) grayscale or (n, 3, H, W) RGB images in [0, 1]; values outside are clamped. 0 is black,
    /// 1 is white (full intensity of a channel).</param>
    /// <param name="columns">Images per row; the last row may be partly empty.</param>
    /// <param name="rowLabels">One label per row (⌈n / columns⌉ of them), drawn left of the row; null for none.</param>
    /// <param name="scale">Each image pixel becomes scale × scale PNG pixels.</param>
    public static void WritePng(string path, Tensor images, int columns, IReadOnlyList<string>? rowLabels = null, int scale = 2)
    {
        if (images.dim() != 4 || images.shape[1] is not (1 or 3) || images.shape[0] < 1)
            throw new ArgumentException(
                $"Expected at least one grayscale or RGB image, shape (n, 1, H, W) or (n, 3, H, W); got ({string.Join(", ", images.shape)}).", nameof(images));
        if (columns < 1)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, "A grid needs at least 1 column.");
        if (scale is < 1 or > 32)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must lie in [1, 32] (2 is the default).");
        int n = (int)images.shape[0], channels = (int)images.shape[1], h = (int)images.shape[2], w = (int)images.shape[3];
        int rows = (n + columns - 1) / columns;
        if (rowLabels is not null && rowLabels.Count != rows)
            throw new ArgumentException(
                $"Got {rowLabels.Count} row labels for {rows} rows ({n} images in {columns} columns); give one label per row or none.",
                nameof(rowLabels));

        byte[] intensities;
        using (NewDisposeScope())
            intensities = (images.detach().to(ScalarType.Float32).cpu().nan_to_num().clamp(0, 1) * 255).round().to(ScalarType.Byte)
                .contiguous().data<byte>().ToArray();

        using var font = new SKFont(SKTypeface.Default, LabelTextSize);
        int labelWidth = rowLabels is null ? 0 : (int)Math.Ceiling(rowLabels.Max(l => font.MeasureText(l))) + 2 * LabelPadding;
        int cellW = w * scale, cellH = h * scale;
        int width = labelWidth + columns * cellW + (columns + 1) * Gap;
        int height = rows * cellH + (rows + 1) * Gap;

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(GapGray, GapGray, GapGray));
        var pixels = new byte[width * height * 4];
        bitmap.GetPixelSpan().CopyTo(pixels);
        for (int k = 0; k < n; k++)
        {
            int left = labelWidth + Gap + (k % columns) * (cellW + Gap), top = Gap + (k / columns) * (cellH + Gap);
            for (int y = 0; y < cellH; y++)
            for (int x = 0; x < cellW; x++)
            {
                int from = k * channels * h * w + (y / scale) * w + x / scale;
                int at = ((top + y) * width + left + x) * 4;
                for (int c = 0; c < 3; c++)
                    pixels[at + c] = intensities[from + (channels == 1 ? 0 : c * h * w)];
                pixels[at + 3] = 255;
            }
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);

        if (rowLabels is not null)
        {
            using var canvas = new SKCanvas(bitmap);
            using var paint = new SKPaint { Color = SKColors.White, IsAntialias = true };
            for (int r = 0; r < rows; r++)
            {
                float baseline = Gap + r * (cellH + Gap) + cellH / 2f + LabelTextSize / 3f;
                canvas.DrawText(rowLabels[r], LabelPadding, baseline, SKTextAlign.Left, font, paint);
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, s => png.SaveTo(s));
    }
}
