using System.Globalization;
using PrecondFlow.Data;

namespace PrecondFlow.Tests.Cli;

/// <summary>`train --field unet` reads each row of a point file as a flattened image; bad sizes are refused with the
/// option named, exit code 2 and no output left behind.</summary>
public class UNetCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-cli-unet-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Model => Path.Combine(folder, "model");

    /// <summary>40 random 8×8 images, one per row, as a CSV without labels.</summary>
    private string Images()
    {
        var path = Path.Combine(folder, "images.csv");
        var random = new Random(3);
        var rows = Enumerable.Range(0, 40).Select(_ =>
            string.Join(",", Enumerable.Range(0, 64).Select(_ => (random.NextDouble() * 2 - 1).ToString("F4", CultureInfo.InvariantCulture))));
        File.WriteAllLines(path, rows);
        return path;
    }

    private CliRunner.Outcome TrainUNet(params string[] sizes) =>
        CliRunner.Run(new[] { "train", "--data", Images(), "--field", "unet", "--steps", "3", "--batch-size", "8", "--log-every", "1",
            "--device", "cpu", "--out", Model }.Concat(sizes).ToArray());

    private static readonly string[] TinySizes =
        ["--image-shape", "1x8x8", "--channels", "16", "--channel-mult", "1,2", "--res-blocks", "1", "--attention-res", "4", "--heads", "4", "--groups", "8"];

    [Fact]
    public void TrainThenSampleAUNetOnFlattenedImages()
    {
        var train = TrainUNet(TinySizes);
        Assert.True(train.ExitCode == 0, train.Error);
        var spec = PrecondFlow.Training.Checkpoint.ReadManifest(Model).Model.Field;
        Assert.Equal("unet", spec.Kind);
        Assert.Equal(new[] { 1, 8, 8 }, spec.ImageShape);
        Assert.Equal((16, 1, 4, 8, 0.1), (spec.BaseChannels, spec.ResBlocks, spec.Heads, spec.NormGroups, spec.Dropout));
        Assert.Equal(new[] { 1, 2 }, spec.ChannelMultipliers);
        Assert.Equal(new[] { 4 }, spec.AttentionResolutions);

        var samples = Path.Combine(folder, "samples.csv");
        var sample = CliRunner.Run("sample", "--model", Model, "--count", "5", "--solver", "euler", "--ode-steps", "2", "--out", samples);
        Assert.True(sample.ExitCode == 0, sample.Error);
        var cloud = PointCloudFiles.Read(samples);
        Assert.Equal((5, 64), (cloud.Count, cloud.Dim));
    }

    [Theory]
    [InlineData("--image-shape", "1x8x9", "--image-shape", "1×8×9 holds 72 values but Dim is 64")]
    [InlineData("--image-shape", "1x8xeight", "--image-shape", "'1x8xeight' is not an image shape")]
    [InlineData("--channel-mult", "1,2,2,2,2", "--image-shape", "8×8 with 5 levels needs sides divisible by 16 (2^(levels − 1)): 8 does not — use 16")]
    [InlineData("--groups", "32", "--groups", "use a group count that divides 16")]
    [InlineData("--heads", "3", "--heads", "3 attention heads must divide the 32 channels")]
    [InlineData("--attention-res", "5", "--attention-res", "levels of 8×8 are 8,4 pixels high")]
    public void BadSizesAreRefusedWithTheOptionNamed(string option, string value, string named, string message)
    {
        var sizes = TinySizes.ToList();
        int at = sizes.IndexOf(option);
        if (at >= 0)
            sizes[at + 1] = value;
        else
            sizes.AddRange([option, value]);
        var outcome = TrainUNet(sizes.ToArray());
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(named, outcome.Error);
        Assert.Contains(message, outcome.Error);
        Assert.Single(outcome.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(Model), "a failed run must leave no output folder");
    }

    [Fact]
    public void AUNetWithoutAnImageShapeSaysWhatToGive()
    {
        var outcome = TrainUNet("--channels", "16");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--image-shape: a UNet needs the image shape of each data point, CxHxW with C·H·W = 64", outcome.Error);
    }
}
