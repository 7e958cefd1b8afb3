using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data;

/// <summary>A 4-D .npy of shape (n, C, H, W) is a set of images: read as (n, C·H·W) points with their image shape, written back as (n, C, H, W).</summary>
public class PointCloudNpyImageTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void FourDimensionalImagesReadAsFlattenedPointsAndWriteBackInTheirShape()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var images = rand(new long[] { 6, 3, 4, 5 }, generator: generator) * 2 - 1;
        var labels = tensor(new long[] { 0, 1, 2, 0, 1, 2 });
        var path = folder.File("images.npy");
        NpyFile.Write(path, images);
        NpyFile.Write(folder.File("images.labels.npy"), labels);

        var read = PointCloudFiles.Read(path);

        Assert.Equal((6L, 60), (read.Count, read.Dim));
        Assert.Equal(new[] { 3, 4, 5 }, read.ImageShape);
        Assert.Equal(3, read.NumClasses);
        // C order: point i's coordinate c·20 + y·5 + x is pixel (c, y, x) of image i, bit for bit.
        TensorBits.AssertIdentical(images.reshape(6, 60), read.Points);
        TensorBits.AssertIdentical(labels, read.Labels!);

        var copy = folder.File("copy.npy");
        PointCloudFiles.Write(copy, read);
        TensorBits.AssertIdentical(images, NpyFile.Read(copy));
        TensorBits.AssertIdentical(labels, NpyFile.Read(folder.File("copy.labels.npy")));
    }

    [Fact]
    public void ATwoDimensionalFileHasNoImageShapeAndStaysTwoDimensional()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("points.npy");
        NpyFile.Write(path, ones(4, 3));
        var read = PointCloudFiles.Read(path);
        Assert.Null(read.ImageShape);
        PointCloudFiles.Write(path, read);
        Assert.Equal(new long[] { 4, 3 }, NpyFile.Read(path).shape);
    }

    [Fact]
    public void AnImageShapeThatDoesNotHoldThePointsIsRefusedBeforeWriting()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("bad.npy");
        var cloud = new PointCloud(zeros(2, 12)) { ImageShape = [1, 3, 5] };
        var error = Assert.Throws<ArgumentException>(() => PointCloudFiles.Write(path, cloud));
        Assert.Contains("the image shape (1, 3, 5) does not hold the 12 coordinates", error.Message);
        Assert.Empty(folder.Files());
    }

    [Fact]
    public void AnEmptyImageArrayIsRejectedNamingTheFile()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("points.npy");
        NpyFile.Write(path, zeros(2, 0, 4, 4));
        Assert.StartsWith("points.npy: shape (2, 0, 4, 4) is not supported; expected at least one image",
            Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path)).Message);
    }
}
