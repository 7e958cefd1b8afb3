using System.Text;
using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data;

public class PointCloudNpyTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData(ScalarType.Float32, false)]
    [InlineData(ScalarType.Float32, true)]
    [InlineData(ScalarType.Float64, false)]
    [InlineData(ScalarType.Float64, true)]
    public void WrittenCloudsReadBackBitForBitWithTheirLabels(ScalarType dtype, bool labelled)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var points = randn(50, 3, dtype, generator: generator);
        var labels = labelled ? randint(0, 4, [50], ScalarType.Int64, generator: generator) : null;
        var path = folder.File("cloud.npy");
        PointCloudNpy.Write(path, new PointCloud(points, labels, labelled ? 4 : 0));

        Assert.Equal(labelled ? new[] { "cloud.labels.npy", "cloud.npy" } : ["cloud.npy"], folder.Files());
        var read = PointCloudNpy.Read(path);
        TensorBits.AssertIdentical(points, read.Points);
        if (labelled)
        {
            TensorBits.AssertIdentical(labels!, read.Labels!);
            Assert.Equal(labels!.max().item<long>() + 1, read.NumClasses);
        }
        else
        {
            Assert.Null(read.Labels);
        }
    }

    [Fact]
    public void WritingAnUnlabelledCloudRemovesAStaleLabelsFile()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("cloud.npy");
        PointCloudNpy.Write(path, new PointCloud(ones(4, 2), tensor(new long[] { 0, 1, 0, 1 }), 2));
        PointCloudNpy.Write(path, new PointCloud(zeros(3, 2)));
        Assert.Equal(["cloud.npy"], folder.Files());
        Assert.Null(PointCloudNpy.Read(path).Labels);
    }

    [Fact]
    public void LabelsPathSitsNextToThePoints()
    {
        Assert.Equal(Path.Combine("data", "x.labels.npy"), PointCloudNpy.LabelsPath(Path.Combine("data", "x.npy")));
        Assert.Equal("x.labels.npy", PointCloudNpy.LabelsPath("x.NPY"));
    }

    [Fact]
    public void OneDimensionalPointsAndInt32LabelsAreAccepted()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("line.npy");
        NpyFile.Write(path, tensor(new[] { 1.0, 2, 3 }));
        NpyFile.Write(PointCloudNpy.LabelsPath(path), tensor(new[] { 2, 0, 1 }));
        var cloud = PointCloudNpy.Read(path, ScalarType.Float32);
        Assert.Equal(new long[] { 3, 1 }, cloud.Points.shape);
        Assert.Equal(ScalarType.Float32, cloud.Points.dtype);
        Assert.Equal(ScalarType.Int64, cloud.Labels!.dtype);
        Assert.Equal(3, cloud.NumClasses);
    }

    [Fact]
    public void ANonFiniteValueIsReportedWithItsRow()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("points.npy");
        NpyFile.Write(path, tensor(new[] { 1f, 2, 3, float.PositiveInfinity, 5, 6 }, [3, 2]));
        var error = Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path));
        Assert.StartsWith("points.npy: row 1, column 1 (counting from 0) is Infinity; every coordinate must be finite", error.Message);
    }

    [Fact]
    public void ALabelCountDifferentFromThePointCountIsReported()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("points.npy");
        NpyFile.Write(path, zeros(3, 2));
        NpyFile.Write(PointCloudNpy.LabelsPath(path), tensor(new long[] { 0, 1 }));
        var error = Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path));
        Assert.StartsWith("points.labels.npy: holds 2 labels but points.npy holds 3 points; there must be one label per point.", error.Message);
    }

    [Fact]
    public void ANegativeLabelIsReportedWithItsIndex()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("points.npy");
        NpyFile.Write(path, zeros(3, 2));
        NpyFile.Write(PointCloudNpy.LabelsPath(path), tensor(new long[] { 0, 1, -4 }));
        var error = Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path));
        Assert.StartsWith("points.labels.npy: label 2 (counting from 0) is -4; labels are whole numbers from 0 up", error.Message);
    }

    [Fact]
    public void IntegerPointsAndFloatLabelsAreRejectedByRole()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("points.npy");
        NpyFile.Write(path, zeros([3, 2], ScalarType.Int64));
        Assert.StartsWith("points.npy: dtype '<i8' is not supported for points; use one of '<f4', '<f8'.",
            Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path)).Message);

        NpyFile.Write(path, zeros(3, 2));
        NpyFile.Write(PointCloudNpy.LabelsPath(path), zeros(3));
        Assert.StartsWith("points.labels.npy: dtype '<f4' is not supported for labels; use one of '<i8', '<i4'.",
            Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path)).Message);
    }

    [Fact]
    public void ThreeDimensionalAndEmptyArraysAreRejected()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("points.npy");
        NpyFile.Write(path, zeros(2, 2, 2));
        Assert.StartsWith("points.npy: shape (2, 2, 2) is not supported; expected (n, d)",
            Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path)).Message);
        NpyFile.Write(path, zeros(0, 2));
        Assert.StartsWith("points.npy: shape (0, 2) is not supported; expected at least one point",
            Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path)).Message);
    }

    [Fact]
    public void AFileWithBadMagicIsNamed()
    {
        var path = folder.WriteBytes("points.npy", Encoding.ASCII.GetBytes("PK\u0003\u0004 a zip archive, not an array"));
        Assert.StartsWith("points.npy: not a NumPy .npy file",
            Assert.Throws<DataFormatException>(() => PointCloudNpy.Read(path)).Message);
    }
}
