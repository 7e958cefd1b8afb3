using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data;

public class PointCloudFilesTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("cloud.csv")]
    [InlineData("cloud.npy")]
    [InlineData("CLOUD.CSV")]
    public void TheExtensionChoosesTheFormatAndLabelsSurvive(string name)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var cloud = new PointCloud(randn(30, 2, generator: generator), arange(30, ScalarType.Int64) % 5, 5);
        var path = folder.File(name);
        PointCloudFiles.Write(path, cloud);
        var read = PointCloudFiles.Read(path);
        TensorBits.AssertIdentical(cloud.Points, read.Points);
        TensorBits.AssertIdentical(cloud.Labels!, read.Labels!);
        Assert.Equal(5, read.NumClasses);
        var isCsv = name.EndsWith("csv", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(isCsv, File.ReadAllText(path).StartsWith("x1,x2,label\n", StringComparison.Ordinal));
    }

    [Fact]
    public void TheRequestedDtypeAppliesToBothFormats()
    {
        using var scope = NewDisposeScope();
        var cloud = new PointCloud(tensor(new[] { 0.1f, 0.2f }, [1, 2]));
        foreach (var name in new[] { "a.csv", "a.npy" })
        {
            PointCloudFiles.Write(folder.File(name), cloud);
            Assert.Equal(ScalarType.Float32, PointCloudFiles.Read(folder.File(name)).Points.dtype);
            var wide = PointCloudFiles.Read(folder.File(name), ScalarType.Float64);
            Assert.Equal(ScalarType.Float64, wide.Points.dtype);
        }
        Assert.Equal("dtype", Assert.Throws<ArgumentOutOfRangeException>(() => PointCloudFiles.Read(folder.File("a.csv"), ScalarType.Int32)).ParamName);
    }

    [Theory]
    [InlineData("points.txt", "points.txt: unsupported file type '.txt'. Supported point-cloud files: .csv, .npy")]
    [InlineData("points", "points: no extension. Supported point-cloud files: .csv, .npy")]
    public void AnUnsupportedExtensionListsTheSupportedOnes(string name, string start)
    {
        using var scope = NewDisposeScope();
        var path = folder.WriteText(name, "1,2\n");
        Assert.StartsWith(start, Assert.Throws<DataFormatException>(() => PointCloudFiles.Read(path)).Message);
        var write = Assert.Throws<DataFormatException>(() => PointCloudFiles.Write(folder.File("new" + Path.GetExtension(name)), new PointCloud(zeros(1, 2))));
        Assert.Contains("Supported point-cloud files: .csv, .npy", write.Message);
        Assert.Equal([name], folder.Files());
    }

    [Theory]
    [InlineData("cloud.csv")]
    [InlineData("cloud.npy")]
    public void AFailedWriteLeavesThePreviousFilesUntouchedAndNoTemporaries(string name)
    {
        using var scope = NewDisposeScope();
        var path = folder.File(name);
        var good = new PointCloud(ones(2, 2), tensor(new long[] { 0, 1 }), 2);
        PointCloudFiles.Write(path, good);
        var before = folder.Files().ToDictionary(f => f, f => File.ReadAllBytes(folder.File(f)));

        var badPoints = new PointCloud(tensor(new[] { 1f, float.NaN }, [1, 2]));
        Assert.Throws<ArgumentException>(() => PointCloudFiles.Write(path, badPoints));
        var badLabels = new PointCloud(ones(2, 2), tensor(new long[] { 0, -1 }), 2);
        Assert.Contains("Label 1 (counting from 0) is -1", Assert.Throws<ArgumentException>(() => PointCloudFiles.Write(path, badLabels)).Message);
        var wrongCount = new PointCloud(ones(2, 2), tensor(new long[] { 0 }), 1);
        Assert.Throws<ArgumentException>(() => PointCloudFiles.Write(path, wrongCount));

        Assert.Equal(before.Keys.Order(), folder.Files());
        foreach (var (file, bytes) in before)
            Assert.Equal(bytes, File.ReadAllBytes(folder.File(file)));
    }

    [Fact]
    public void AFailedWriteToANewPathLeavesNothing()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => PointCloudFiles.Write(folder.File("x.npy"), new PointCloud(ones([2, 2], ScalarType.Int32))));
        Assert.Throws<ArgumentException>(() => PointCloudFiles.Write(folder.File("x.csv"), new PointCloud(zeros(0, 2))));
        Assert.Empty(folder.Files());
    }

    [Fact]
    public void AMissingFileIsReportedInEitherFormat()
    {
        foreach (var name in new[] { "gone.csv", "gone.npy" })
            Assert.StartsWith($"{name}: file not found", Assert.Throws<DataFormatException>(() => PointCloudFiles.Read(folder.File(name))).Message);
    }
}
