using System.Text.Json;
using PrecondFlow.Data;
using PrecondFlow.Images;
using PrecondFlow.Tests.Data.Images;
using PrecondFlow.Tests.Reporting.Images;
using SkiaSharp;

namespace PrecondFlow.Tests.Cli;

/// <summary>
/// Images as data on the command line: a folder with one sub-folder per class, an image data set found with --data-dir, or
/// a 4-D .npy. A UNet takes the image shape from the data; `sample --png` draws an image grid and `--out X.npy` writes
/// (n, C, H, W); likelihood, eval and diagnose take the same data. Bad input: one line, exit code 2, no output left behind.
/// </summary>
public class ImageDataCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-cli-images-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string In(params string[] parts) => Path.Combine([folder, .. parts]);

    private string Model => In("model");

    /// <summary>A tiny UNet for 8 × 8 images (the sizes of <see cref="UNetCommandTests"/>), without --image-shape.</summary>
    private static readonly string[] TinyUNet =
        ["--field", "unet", "--channels", "16", "--channel-mult", "1,2", "--res-blocks", "1", "--attention-res", "4", "--heads", "4", "--groups", "8"];

    private static readonly string[] FewSteps = ["--steps", "3", "--batch-size", "8", "--log-every", "1", "--device", "cpu"];

    /// <summary>Classes "circle" and "square", each with <paramref name="perClass"/> 8 × 8 grayscale PNGs of noise.</summary>
    private string ImageFolder(int perClass = 6)
    {
        var random = new Random(7);
        foreach (var name in new[] { "circle", "square" })
            for (int i = 0; i < perClass; i++)
                ImageFixtures.Noise(In("images", name, $"{i:D2}.png"), random);
        return In("images");
    }

    private CliRunner.Outcome Train(string data, params string[] extra) =>
        CliRunner.Run(["train", "--data", data, .. FewSteps, "--out", Model, .. extra]);

    private JsonElement RunData() => JsonDocument.Parse(File.ReadAllText(In("model", "run.json"))).RootElement.GetProperty("data");

    private void AssertRejected(CliRunner.Outcome outcome, params string[] fragments)
    {
        Assert.Equal(2, outcome.ExitCode);
        foreach (var fragment in fragments)
            Assert.Contains(fragment, outcome.Error);
        Assert.Single(outcome.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(Model), "a failed run must leave no output folder");
    }

    [Fact]
    public void AUNetTrainsOnAnImageFolderAndSamplesAGridWithOneRowPerClass()
    {
        var train = Train(ImageFolder(), TinyUNet);
        Assert.True(train.ExitCode == 0, train.Error);
        var field = PrecondFlow.Training.Checkpoint.ReadManifest(Model).Model.Field;
        Assert.Equal(new[] { 1, 8, 8 }, field.ImageShape);
        Assert.Equal(2, field.NumClasses);
        var data = RunData();
        Assert.Equal("images", data.GetProperty("image_folder").GetString());
        Assert.Equal(12, data.GetProperty("count").GetInt32());
        Assert.Equal(["circle", "square"], data.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(0, data.GetProperty("skipped_files").GetInt32());

        var grid = In("grid.png");
        var samples = In("samples.npy");
        var sample = CliRunner.Run("sample", "--model", Model, "--count", "6", "--solver", "euler", "--ode-steps", "2", "--out", samples, "--png", grid);
        Assert.True(sample.ExitCode == 0, sample.Error);
        Assert.Equal(new long[] { 6, 1, 8, 8 }, NpyFile.Read(samples).shape);
        Assert.Equal(new long[] { 6 }, NpyFile.Read(In("samples.labels.npy")).shape);
        // Balanced labels: 3 samples per class, so 2 rows (one per class) of 3 cells of 16 pixels (scale 2), labels on the left.
        using var bitmap = SKBitmap.Decode(grid);
        Assert.Equal(2 * 16 + 3 * ImageGrid.Gap, bitmap.Height);
        Assert.True(bitmap.Width > 3 * 16 + 4 * ImageGrid.Gap, $"width {bitmap.Width} leaves room for the class names");
    }

    [Fact]
    public void OneClassSamplesAsAPlainGrid()
    {
        Assert.Equal(0, Train(ImageFolder(), TinyUNet).ExitCode);
        var grid = In("class1.png");
        var sample = CliRunner.Run("sample", "--model", Model, "--count", "5", "--class", "1", "--solver", "euler", "--ode-steps", "2",
            "--out", In("class1.csv"), "--png", grid);
        Assert.True(sample.ExitCode == 0, sample.Error);
        using var bitmap = SKBitmap.Decode(grid);
        Assert.Equal((5 * 16 + 6 * ImageGrid.Gap, 16 + 2 * ImageGrid.Gap), (bitmap.Width, bitmap.Height));
        // A CSV stays flat: one row of 64 values per sample.
        Assert.Equal((5L, 64), (PointCloudFiles.Read(In("class1.csv")).Count, PointCloudFiles.Read(In("class1.csv")).Dim));
    }

    [Fact]
    public void AFourDimensionalNpyGivesTheUNetItsImageShape()
    {
        var images = In("images.npy");
        using (TorchSharp.torch.NewDisposeScope())
            NpyFile.Write(images, TorchSharp.torch.rand(new long[] { 10, 1, 8, 8 }, generator: new TorchSharp.torch.Generator(2)) * 2 - 1);
        var train = Train(images, TinyUNet);
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Equal(new[] { 1, 8, 8 }, PrecondFlow.Training.Checkpoint.ReadManifest(Model).Model.Field.ImageShape);
        Assert.Equal([1, 8, 8], RunData().GetProperty("image_shape").EnumerateArray().Select(e => e.GetInt32()));

        // An unconditional model: a plain grid of the 3 samples in one row.
        var grid = In("grid.png");
        var sample = CliRunner.Run("sample", "--model", Model, "--count", "3", "--solver", "euler", "--ode-steps", "2", "--out", In("s.npy"), "--png", grid);
        Assert.True(sample.ExitCode == 0, sample.Error);
        Assert.Equal(new long[] { 3, 1, 8, 8 }, NpyFile.Read(In("s.npy")).shape);
        using var bitmap = SKBitmap.Decode(grid);
        Assert.Equal((3 * 16 + 4 * ImageGrid.Gap, 16 + 2 * ImageGrid.Gap), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void ColourImagesInAFourDimensionalNpyKeepTheirShapeInTheRunConfiguration()
    {
        var images = In("rgb.npy");
        using (TorchSharp.torch.NewDisposeScope())
            NpyFile.Write(images, TorchSharp.torch.rand(new long[] { 10, 3, 4, 4 }, generator: new TorchSharp.torch.Generator(2)) * 2 - 1);
        var train = Train(images, "--hidden", "16");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Equal(48, PrecondFlow.Training.Checkpoint.ReadManifest(Model).Model.Field.Dim);
        var data = RunData();
        Assert.Equal([3, 4, 4], data.GetProperty("image_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(10, data.GetProperty("count").GetInt32());
    }

    [Fact]
    public void AnImageShapeThatDisagreesWithTheDataNamesBoth() =>
        AssertRejected(Train(ImageFolder(), [.. TinyUNet, "--image-shape", "4x4x4"]),
            "--image-shape 4×4×4 disagrees with the data's image shape 1×8×8");

    [Fact]
    public void FashionMnistIsFoundInTheDataFolderAsImagesWithItsClasses()
    {
        SyntheticImageFiles.WriteFashionMnist(In("fashion"), trainCount: 12, testCount: 4);
        var train = Train("fashion-mnist", "--data-dir", In("fashion"), "--hidden", "16");
        Assert.True(train.ExitCode == 0, train.Error);
        var field = PrecondFlow.Training.Checkpoint.ReadManifest(Model).Model.Field;
        Assert.Equal((784, 10), (field.Dim, field.NumClasses));
        var data = RunData();
        Assert.Equal([1, 28, 28], data.GetProperty("image_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(("fashion-mnist", "train", 12), (data.GetProperty("dataset").GetString(), data.GetProperty("split").GetString(), data.GetProperty("count").GetInt32()));
        Assert.Equal("Ankle boot", data.GetProperty("classes")[9].GetString());
    }

    [Fact]
    public void AnImageDataSetThatIsNotInstalledSaysHowToGetIt()
    {
        Directory.CreateDirectory(In("nothing"));
        AssertRejected(Train("fashion-mnist", "--data-dir", In("nothing")), "The fashion-mnist data set was not found", In("nothing"));
    }

    [Fact]
    public void AnEmptyImageFolderIsRejectedNamingIt()
    {
        Directory.CreateDirectory(In("empty"));
        AssertRejected(Train(In("empty"), TinyUNet), $"The image folder '{In("empty")}' holds no class sub-folders");
    }

    [Fact]
    public void AMissingImageFolderIsRejectedNamingIt() =>
        AssertRejected(Train(In("photos") + "/", TinyUNet), $"--data '{In("photos")}/': there is no such file or folder");

    [Fact]
    public void ACorruptImageIsRejectedNamingTheFile()
    {
        var images = ImageFolder();
        File.WriteAllBytes(In("images", "square", "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        AssertRejected(Train(images, TinyUNet), "broken.png", "cannot be read");
    }

    [Fact]
    public void FilesThatAreNotImagesAreSkippedCountedAndRecorded()
    {
        var images = ImageFolder();
        File.WriteAllText(In("images", "circle", "labels.txt"), "not an image");
        var train = Train(images, TinyUNet);
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("note: skipped 1 file that is not PNG or JPEG images ('circle/labels.txt')", train.Error);
        var data = RunData();
        Assert.Equal(1, data.GetProperty("skipped_files").GetInt32());
        Assert.Equal("circle/labels.txt", data.GetProperty("skipped")[0].GetString());
        Assert.Equal(12, data.GetProperty("count").GetInt32());
    }

    [Fact]
    public void MixedSizesAndColourModesAreConvertedAndReported()
    {
        var images = ImageFolder();
        ImageFixtures.Colour(In("images", "square", "big.jpg"), 20, 16, new SKColor(200, 30, 30));
        var train = Train(images, [.. TinyUNet, "--image-size", "8", "--image-channels", "1"]);
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("note: 1 of 13 images resized (shorter side 8) and centre-cropped to 8×8", train.Error);
        Assert.Contains("note: 1 of 13 colour images converted to grayscale", train.Error);
        var data = RunData();
        Assert.Equal([1, 8, 8], data.GetProperty("image_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, data.GetProperty("conversions").GetArrayLength());
    }

    [Fact]
    public void AClassTooSmallForClassWhiteningIsNamedWithItsCount() =>
        // 8 × 8 images have d = 64 coordinates: a full-rank class covariance needs 65 images per class.
        AssertRejected(Train(ImageFolder(perClass: 3), "--preconditioner", "class-whiten"),
            "class 'circle' (label 0) has 3 samples", "d + 1 = 65 per class");

    [Fact]
    public void ImageOptionsOutsideAnImageFolderAreRefused() =>
        AssertRejected(Train("moons", "--image-size", "8"), "--image-size and --image-channels apply to a folder of images");

    [Fact]
    public void LikelihoodRunsOnAnImageFolder()
    {
        var images = ImageFolder();
        Assert.Equal(0, Train(images, "--hidden", "16").ExitCode);
        var output = In("likelihood");
        var outcome = CliRunner.Run("likelihood", "--model", Model, "--data", images, "--rtol", "1e-3", "--probes", "1", "--out", output);
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "likelihood.json"))).RootElement;
        Assert.Equal(12, result.GetProperty("count").GetInt32());
        Assert.True(double.IsFinite(result.GetProperty("bits_per_dimension").GetDouble()));
        Assert.Equal(["circle", "square"], result.GetProperty("data").GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public void EvalComparesImageSamplesWithAnImageFolder()
    {
        var images = ImageFolder();
        Assert.Equal(0, Train(images, "--hidden", "16").ExitCode);
        var samples = In("samples.npy");
        Assert.Equal(0, CliRunner.Run("sample", "--model", Model, "--count", "10", "--solver", "euler", "--ode-steps", "2", "--out", samples).ExitCode);
        var output = In("eval");
        var outcome = CliRunner.Run("eval", "--samples", samples, "--reference", images, "--knn-k", "2", "--projections", "8", "--out", output);
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json"))).RootElement;
        Assert.True(metrics.GetProperty("mmd").GetDouble() > 0);
    }

    [Fact]
    public void DiagnoseMeasuresTheConditioningOfAnImageFolder()
    {
        var output = In("diagnose");
        var outcome = CliRunner.Run("diagnose", "--data", ImageFolder(), "--times", "3", "--out", output);
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        var profile = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "conditioning.json"))).RootElement;
        Assert.Equal(3, profile.GetProperty("kappa").GetArrayLength());
        // The 8 × 8 images enter as 64 coordinates: 64 eigenvalues per time, and a profile per class.
        Assert.Equal(64, profile.GetProperty("eigenvalues")[2].GetArrayLength());
        Assert.Equal(["0", "1"], profile.GetProperty("per_class").EnumerateObject().Select(p => p.Name));
    }
}
