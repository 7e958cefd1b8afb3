using PrecondFlow.Images;
using SkiaSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Reporting.Images;

public class ImageGridTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-grid-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Writes_a_png_of_the_expected_size_mapping_0_to_black_and_1_to_white()
    {
        // Five 28×28 images in 3 columns at scale 2: 2 rows of 56-pixel cells with 2-pixel gaps around each.
        var images = cat(new[] { zeros(1, 1, 28, 28), ones(1, 1, 28, 28), full(new long[] { 3, 1, 28, 28 }, 0.5) });
        var path = Path.Combine(folder, "grid.png");
        ImageGrid.WritePng(path, images, columns: 3);
        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(3 * 56 + 4 * ImageGrid.Gap, bitmap.Width);
        Assert.Equal(2 * 56 + 3 * ImageGrid.Gap, bitmap.Height);
        Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(ImageGrid.Gap + 10, ImageGrid.Gap + 10));
        Assert.Equal(new SKColor(255, 255, 255), bitmap.GetPixel(2 * ImageGrid.Gap + 56 + 10, ImageGrid.Gap + 10));
        // 0.5 · 255 = 127.5 rounds to 128 (half to even); the gaps are mid-gray too, so look inside a cell.
        Assert.Equal(128, bitmap.GetPixel(ImageGrid.Gap + 10, 2 * ImageGrid.Gap + 56 + 10).Red);
        Assert.Equal(ImageGrid.GapGray, bitmap.GetPixel(0, 0).Red);
    }

    [Fact]
    public void Row_labels_widen_the_image_and_must_match_the_rows()
    {
        var images = rand(new long[] { 4, 1, 28, 28 });
        var path = Path.Combine(folder, "labelled.png");
        ImageGrid.WritePng(path, images, columns: 2, rowLabels: new[] { "original", "decoded" }, scale: 1);
        using var bitmap = SKBitmap.Decode(path);
        Assert.True(bitmap.Width > 2 * 28 + 3 * ImageGrid.Gap, $"width {bitmap.Width} leaves room for the labels");
        Assert.Equal(2 * 28 + 3 * ImageGrid.Gap, bitmap.Height);
        var error = Assert.Throws<ArgumentException>(() => ImageGrid.WritePng(path, images, 2, new[] { "one" }));
        Assert.Contains("1 row labels for 2 rows", error.Message);
    }

    [Fact]
    public void Rgb_images_keep_their_channels()
    {
        // Image 0 pure red, image 1 channels (0, 0.5, 1): each cell shows its colour, channel planes read as R, G, B.
        var red = cat(new[] { ones(1, 1, 4, 4), zeros(1, 2, 4, 4) }, 1);
        var mixed = cat(new[] { zeros(1, 1, 4, 4), full(new long[] { 1, 1, 4, 4 }, 0.5), ones(1, 1, 4, 4) }, 1);
        var path = Path.Combine(folder, "rgb.png");
        ImageGrid.WritePng(path, cat(new[] { red, mixed }), columns: 2, scale: 1);
        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal((2 * 4 + 3 * ImageGrid.Gap, 4 + 2 * ImageGrid.Gap), (bitmap.Width, bitmap.Height));
        Assert.Equal(new SKColor(255, 0, 0), bitmap.GetPixel(ImageGrid.Gap + 1, ImageGrid.Gap + 1));
        Assert.Equal(new SKColor(0, 128, 255), bitmap.GetPixel(2 * ImageGrid.Gap + 4 + 1, ImageGrid.Gap + 1));
    }

    [Fact]
    public void Two_channels_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageGrid.WritePng(Path.Combine(folder, "x.png"), zeros(1, 2, 4, 4), 1));
        Assert.Contains("(n, 1, H, W) or (n, 3, H, W); got (1, 2, 4, 4)", error.Message);
    }
}
