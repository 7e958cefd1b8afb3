using PrecondFlow.Images;
using SkiaSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Reporting.Images;

/// <summary>
/// A folder with one sub-folder per class reads as torchvision's ImageFolder: classes in ordinal order of their names,
/// PNG and JPEG decoded to values 2·v/255 − 1, one shape for all, other files skipped and listed, damaged files named.
/// </summary>
public class ImageFolderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-imagefolder-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string In(params string[] parts) => Path.Combine([folder, .. parts]);

    private static float Signed(byte v) => 2f * v / 255f - 1f;

    [Fact]
    public void GrayscalePngFilesReadExactlyWithClassesInOrdinalOrder()
    {
        // "B" sorts before "a" in ordinal order, as in torchvision (sorted names).
        ImageFixtures.Gray(In("a", "2.png"), 4, 3, 200);
        ImageFixtures.Gray(In("a", "1.png"), 4, 3, 51);
        ImageFixtures.Write(In("B", "x.png"), 4, 3, (x, y) => new SKColor((byte)(10 * x + y), 0, 0), grayscale: true);

        using var scope = NewDisposeScope();
        var data = ImageFolder.Read(folder);

        Assert.Equal(["B", "a"], data.ClassNames);
        Assert.Equal(new[] { 1, 3, 4 }, data.ImageShape);
        Assert.Equal(new long[] { 0, 1, 1 }, data.Points.Labels!.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 2 }, data.ClassCounts());
        Assert.Empty(data.SkippedFiles);
        Assert.Empty(data.Conversions);
        // PNG is lossless: every value is exactly 2·v/255 − 1, row-major; "1.png" before "2.png".
        var pixels = data.Points.Points.data<float>().ToArray();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => Signed((byte)(10 * (i % 4) + i / 4))), pixels[..12]);
        Assert.All(pixels[12..24], v => Assert.Equal(Signed(51), v));
        Assert.All(pixels[24..], v => Assert.Equal(Signed(200), v));
    }

    [Fact]
    public void ColourJpegFilesGiveThreeChannelPlanes()
    {
        ImageFixtures.Colour(In("red", "r.jpg"), 8, 8, new SKColor(250, 10, 10));
        ImageFixtures.Colour(In("teal", "t.jpeg"), 8, 8, new SKColor(0, 128, 128));

        using var scope = NewDisposeScope();
        var data = ImageFolder.Read(folder);

        Assert.Equal(new[] { 3, 8, 8 }, data.ImageShape);
        var images = data.Points.PointsInTheirShape();
        // JPEG is lossy: a flat colour comes back within a few levels (4/255 · 2 in [−1, 1] units).
        var means = images.mean([2, 3]);
        const float tolerance = 8f / 255f;
        Assert.Equal(Signed(250), means[0, 0].item<float>(), tolerance);
        Assert.Equal(Signed(10), means[0, 1].item<float>(), tolerance);
        Assert.Equal(Signed(128), means[1, 2].item<float>(), tolerance);
        Assert.Equal(Signed(0), means[1, 0].item<float>(), tolerance);
    }

    [Fact]
    public void MixedColourModesBecomeRgbByDefaultOrGrayscaleOnRequest()
    {
        ImageFixtures.Gray(In("g", "gray.png"), 4, 4, 100);
        ImageFixtures.Colour(In("c", "colour.png"), 4, 4, new SKColor(200, 100, 0));

        using var scope = NewDisposeScope();
        var rgb = ImageFolder.Read(folder);
        Assert.Equal(new[] { 3, 4, 4 }, rgb.ImageShape);
        Assert.Equal(["1 of 2 grayscale images converted to RGB"], rgb.Conversions);
        // The gray image repeats its level in every channel ("c" sorts first, so it is image 1).
        Assert.All(rgb.Points.Points[1].data<float>().ToArray(), v => Assert.Equal(Signed(100), v));

        var gray = ImageFolder.Read(folder, new ImageFolderOptions(Channels: 1));
        Assert.Equal(new[] { 1, 4, 4 }, gray.ImageShape);
        Assert.Equal(["1 of 2 colour images converted to grayscale"], gray.Conversions);
        // Luma 0.299·200 + 0.587·100 + 0.114·0 = 118.5 levels.
        Assert.All(gray.Points.Points[0].data<float>().ToArray(), v => Assert.Equal(2f * 118.5f / 255f - 1f, v, 1e-5f));
    }

    [Fact]
    public void MixedSizesAreResizedToTheFirstImageAndReported()
    {
        ImageFixtures.Gray(In("a", "1.png"), 8, 8, 30);
        ImageFixtures.Gray(In("a", "2.png"), 10, 12, 30);

        using var scope = NewDisposeScope();
        var data = ImageFolder.Read(folder);

        Assert.Equal(new[] { 1, 8, 8 }, data.ImageShape);
        Assert.Equal(["1 of 2 images resized to the first image's 8×8 (e.g. 'a/2.png', 10×12); pass --image-size to resize and crop instead"],
            data.Conversions);
        // A flat image stays flat when resized (bilinear filtering mixes equal values).
        Assert.All(data.Points.Points[1].data<float>().ToArray(), v => Assert.Equal(Signed(30), v, 1f / 255f));
    }

    [Fact]
    public void ImageSizeResizesTheShorterSideAndKeepsTheCentre()
    {
        // 8 wide, 16 high: white top and bottom quarters, a black middle. Resized to 4 × 8 and cropped to the central 4 × 4
        // (rows 2 … 5 of 8), only the black middle is left.
        ImageFixtures.Write(In("tall", "1.png"), 8, 16, (_, y) => y is < 4 or >= 12 ? SKColors.White : SKColors.Black, grayscale: true);

        using var scope = NewDisposeScope();
        var data = ImageFolder.Read(folder, new ImageFolderOptions(Size: 4));

        Assert.Equal(new[] { 1, 4, 4 }, data.ImageShape);
        Assert.Single(data.Conversions);
        Assert.StartsWith("1 of 1 images resized (shorter side 4) and centre-cropped to 4×4", data.Conversions[0]);
        // Filtering may blur the edge by a level or so; a white row kept by a wrong crop would be far above −0.9.
        Assert.All(data.Points.Points.data<float>().ToArray(), v => Assert.True(v < -0.9f, $"{v} is not black: the crop missed the centre"));
    }

    [Fact]
    public void FilesThatAreNotImagesAreSkippedAndListed()
    {
        ImageFixtures.Gray(In("a", "1.png"), 4, 4, 0);
        File.WriteAllText(In("a", "notes.txt"), "not an image");
        File.WriteAllText(In("README.md"), "about the images");

        using var scope = NewDisposeScope();
        var data = ImageFolder.Read(folder);

        Assert.Equal(1, data.Points.Count);
        Assert.Equal(["README.md", Path.Combine("a", "notes.txt")], data.SkippedFiles);
    }

    [Fact]
    public void AnEmptyFolderIsAnErrorNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageFolder.Read(folder));
        Assert.Contains($"The image folder '{folder}' holds no class sub-folders", error.Message);
    }

    [Fact]
    public void AClassFolderWithoutImagesIsAnErrorNamingIt()
    {
        ImageFixtures.Gray(In("a", "1.png"), 4, 4, 0);
        Directory.CreateDirectory(In("b"));
        File.WriteAllText(In("b", "notes.txt"), "not an image");
        var error = Assert.Throws<ArgumentException>(() => ImageFolder.Read(folder));
        Assert.Contains("The class folder 'b'", error.Message);
        Assert.Contains("holds no PNG or JPEG image (only 1 other files)", error.Message);
    }

    [Fact]
    public void ACorruptImageIsAnErrorNamingTheFile()
    {
        ImageFixtures.Gray(In("a", "1.png"), 4, 4, 0);
        File.WriteAllBytes(In("a", "2.png"), Enumerable.Range(0, 200).Select(i => (byte)(i * 37)).ToArray());
        var error = Assert.Throws<InvalidDataException>(() => ImageFolder.Read(folder));
        Assert.Contains($"The image '{In("a", "2.png")}' cannot be read", error.Message);
    }

    [Theory]
    [InlineData("cut.png")]
    [InlineData("cut.jpg")]
    public void ATruncatedImageIsAnErrorNamingTheFile(string name)
    {
        var path = ImageFixtures.Noise(In("a", name), new Random(1), side: 32);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => ImageFolder.Read(folder));
        Assert.Contains($"The image '{path}' cannot be read", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(null, 2)]
    public void BadOptionsAreRefusedNamingTheOption(int? size, int? channels)
    {
        ImageFixtures.Gray(In("a", "1.png"), 4, 4, 0);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolder.Read(folder, new ImageFolderOptions(size, channels)));
        Assert.Contains(size is not null ? "--image-size" : "--image-channels", error.Message);
    }
}
