using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data;

public class PointCloudCsvTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>Awkward values (subnormal, signed zero, extremes, non-terminating decimals) plus random ones.</summary>
    private static Tensor HardPoints(ScalarType dtype)
    {
        double[] special = dtype == ScalarType.Float32
            ? [float.Epsilon, -0.0, float.MaxValue, float.MinValue, 1.0 / 3, 0.1, Math.PI, 1e-30, -123456.789, 16777217]
            : [double.Epsilon, -0.0, double.MaxValue, double.MinValue, 1.0 / 3, 0.1, Math.PI, 1e-300, -123456.789, 9007199254740993];
        using var generator = new Generator(1);
        var random = randn(20, 2, ScalarType.Float64, generator: generator) * 1000;
        return cat([tensor(special, [5, 2], ScalarType.Float64), random]).to(dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float32, false)]
    [InlineData(ScalarType.Float32, true)]
    [InlineData(ScalarType.Float64, false)]
    [InlineData(ScalarType.Float64, true)]
    public void WrittenCloudsReadBackBitForBit(ScalarType dtype, bool labelled)
    {
        using var scope = NewDisposeScope();
        var points = HardPoints(dtype);
        var labels = labelled ? arange(points.shape[0], ScalarType.Int64) % 3 : null;
        var path = folder.File("points.csv");
        PointCloudCsv.Write(path, new PointCloud(points, labels, labelled ? 3 : 0));

        var read = PointCloudCsv.Read(path, dtype);
        TensorBits.AssertIdentical(points, read.Points);
        Assert.Equal(labelled, read.HasLabels);
        if (labelled)
        {
            TensorBits.AssertIdentical(labels!, read.Labels!);
            Assert.Equal(3, read.NumClasses);
        }
    }

    [Fact]
    public void TheWriterHeadsTheFileWithCoordinateNamesAndLabel()
    {
        using var scope = NewDisposeScope();
        var path = folder.File("points.csv");
        PointCloudCsv.Write(path, new PointCloud(tensor(new[] { 0.5f, -1, 2, 3, 4, 5 }, [2, 3]), tensor(new long[] { 1, 0 }), 2));
        Assert.Equal("x1,x2,x3,label\n0.5,-1,2,1\n3,4,5,0\n", File.ReadAllText(path));
    }

    [Fact]
    public void AFileWithoutHeaderIsAllCoordinates()
    {
        using var scope = NewDisposeScope();
        var cloud = PointCloudCsv.Read(folder.WriteText("plain.csv", "0.5,1\r\n-2,3e2\r\n"));
        Assert.Null(cloud.Labels);
        Assert.Equal(new[] { 0.5f, 1, -2, 300 }, cloud.Points.data<float>().ToArray());
    }

    [Fact]
    public void ALabelColumnAnywhereInTheHeaderHoldsTheLabels()
    {
        using var scope = NewDisposeScope();
        var cloud = PointCloudCsv.Read(folder.WriteText("mid.csv", "x, Label ,y\n1,0,2\n3,4,5\n6,2.0,7\n"), ScalarType.Float64);
        Assert.Equal(new[] { 1.0, 2, 3, 5, 6, 7 }, cloud.Points.data<double>().ToArray());
        Assert.Equal(new long[] { 0, 4, 2 }, cloud.Labels!.data<long>().ToArray());
        Assert.Equal(5, cloud.NumClasses);
    }

    [Fact]
    public void AHeaderWithoutLabelColumnGivesAnUnlabelledCloud()
    {
        using var scope = NewDisposeScope();
        var cloud = PointCloudCsv.Read(folder.WriteText("named.csv", "a,b\n1,2\n"));
        Assert.Null(cloud.Labels);
        Assert.Equal(0, cloud.NumClasses);
        Assert.Equal(2, cloud.Dim);
    }

    [Fact]
    public void Float64ReadingParsesTheDecimalExactlyAsDoubleDoes()
    {
        using var scope = NewDisposeScope();
        var cloud = PointCloudCsv.Read(folder.WriteText("p.csv", "0.1,1e-310\n"), ScalarType.Float64);
        Assert.Equal(new[] { 0.1, 1e-310 }, cloud.Points.data<double>().ToArray());
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var error = Assert.Throws<DataFormatException>(() => PointCloudCsv.Read(folder.File("absent.csv")));
        Assert.StartsWith("absent.csv: file not found", error.Message);
        Assert.Contains(folder.File("absent.csv"), error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    [InlineData("x1,x2,label\n")]
    public void AFileWithoutDataRowsIsRejected(string text)
    {
        var error = Assert.Throws<DataFormatException>(() => PointCloudCsv.Read(folder.WriteText("empty.csv", text)));
        Assert.Equal("empty.csv: no data rows. Each row is one point: x1,x2[,label].", error.Message);
    }

    [Fact]
    public void ARowWithTheWrongNumberOfColumnsIsReportedWithItsLine()
    {
        var path = folder.WriteText("points.csv", "1,2\n3,4\n\n5,6,7\n");
        var error = Assert.Throws<DataFormatException>(() => PointCloudCsv.Read(path));
        // Blank lines count: the bad row is the file's fourth line.
        Assert.Equal("points.csv, line 4: expected 2 columns, found 3. Each row is one point: x1,x2.", error.Message);
        Assert.Equal(4, error.Line);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void TheColumnCountMessageShowsTheHeaderLayout()
    {
        var error = Assert.Throws<DataFormatException>(() => PointCloudCsv.Read(folder.WriteText("points.csv", "x1,x2,label\n1,2,0\n1,2\n")));
        Assert.Equal("points.csv, line 3: expected 3 columns, found 2. Each row is one point: x1,x2,label.", error.Message);
    }

    [Theory]
    [InlineData("1,2\n3,abc\n", 2, 2, "points.csv, line 2, column 2: 'abc' is not a number.")]
    [InlineData("x,y\n1,2\n3,4,\n", 3, 0, "points.csv, line 3: expected 2 columns, found 3.")]
    [InlineData("x,y\n1,\n", 2, 2, "points.csv, line 2, column 2 (y): the field is empty.")]
    [InlineData("x,y\n1,2\n1;5,2\n", 3, 1, "points.csv, line 3, column 1 (x): '1;5' is not a number.")]
    [InlineData("x,y\n1,2\n1,5,2\n", 3, 0, "points.csv, line 3: expected 2 columns, found 3.")]
    public void ANonNumericFieldIsQuotedWithItsLineAndColumn(string text, long line, int column, string start)
    {
        var error = Assert.Throws<DataFormatException>(() => PointCloudCsv.Read(folder.WriteText("points.csv", text)));
        Assert.StartsWith(start, error.Message);
        Assert.Equal(line, error.Line);
        if (column > 0)
        {
            Assert.Equal(column, error.Column);
            Assert.Contains("Write numbers with a '.' decimal point", error.Message);
        }
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    public void NonFiniteValuesAreRejectedWithLineAndColumn(string value)
    {
        var error = Assert.Throws<DataFormatException>(
            () => PointCloudCsv.Read(folder.WriteText("points.csv", $"x1,x2\n1,2\n{value},3\n"), ScalarType.Float64));
        Assert.Equal($"points.csv, line 3, column 1 (x1): '{value}' is not a finite number; every coordinate must be finite (no NaN or infinity).", error.Message);
        Assert.Equal((3L, 1), (error.Line!.Value, error.Column!.Value));
    }

    [Fact]
    public void AValueBeyondTheFloat32RangeIsReportedWhenReadingFloat32()
    {
        var path = folder.WriteText("points.csv", "1,1e39\n");
        var error = Assert.Throws<DataFormatException>(() => PointCloudCsv.Read(path));
        Assert.StartsWith("points.csv, line 1, column 2: '1e39' is outside the float32 range", error.Message);
        using var scope = NewDisposeScope();
        Assert.Equal(1e39, PointCloudCsv.Read(path, ScalarType.Float64).Points[0, 1].item<double>());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("cat")]
    [InlineData("99999999999")]
    public void ALabelThatIsNotAWholeNumberFromZeroIsRejected(string label)
    {
        var error = Assert.Throws<DataFormatException>(
            () => PointCloudCsv.Read(folder.WriteText("points.csv", $"x1,x2,label\n1,2,0\n3,4,{label}\n")));
        Assert.StartsWith($"points.csv, line 3, column 3 (label): '{label}' is not a class label. Labels are whole numbers from 0 up", error.Message);
        Assert.Equal((3L, 3), (error.Line!.Value, error.Column!.Value));
    }

    [Fact]
    public void TwoLabelColumnsAreRejected()
    {
        var error = Assert.Throws<DataFormatException>(() => PointCloudCsv.Read(folder.WriteText("points.csv", "x,label,LABEL\n1,2,3\n")));
        Assert.StartsWith("points.csv, line 1: the header has 2 columns named 'label' (columns 2, 3)", error.Message);
    }

    [Fact]
    public void ACloudWithNaNIsNotWrittenAndLeavesNoFile()
    {
        using var scope = NewDisposeScope();
        var points = tensor(new[] { 1f, 2, float.NaN, 4 }, [2, 2]);
        var error = Assert.Throws<ArgumentException>(() => PointCloudCsv.Write(folder.File("points.csv"), new PointCloud(points)));
        Assert.Contains("Point 1, coordinate 0 (counting from 0) is NaN", error.Message);
        Assert.Empty(folder.Files());
    }
}
