using PrecondFlow.Data.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Internal;

public class PointChecksTests
{
    [Fact]
    public void AVectorIsRejectedWithItsShapeAndTheParameterName()
    {
        using var x = zeros(5);
        var e = Assert.Throws<ArgumentException>(() => PointChecks.Points(x, "points", "MMD"));
        Assert.Equal("points", e.ParamName);
        Assert.StartsWith("MMD: 'points' must be an (n, d) matrix of points", e.Message);
        Assert.Contains("got shape [5]", e.Message);
    }

    [Fact]
    public void TheWrongNumberOfColumnsIsRejectedWhenADimensionIsRequired()
    {
        using var x = zeros(4, 5);
        var e = Assert.Throws<ArgumentException>(() => PointChecks.Points(x, "x", "Affine whitening", dim: 3));
        Assert.Contains("(n, 3)", e.Message);
        Assert.Contains("[4, 5]", e.Message);
    }

    [Theory]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.Bool)]
    public void OnlyFloat32AndFloat64PointsAreAccepted(ScalarType dtype)
    {
        using var x = zeros(3, 2, dtype: dtype);
        var e = Assert.Throws<ArgumentException>(() => PointChecks.Points(x, "x"));
        Assert.Contains($"float32 or float64 values; got {dtype}", e.Message);
    }

    [Fact]
    public void TooFewPointsAreRejectedAndZeroColumnsNeverPass()
    {
        using var one = zeros(1, 2);
        Assert.Contains("has 1 points; at least 2", Assert.Throws<ArgumentException>(() => PointChecks.Points(one, "x", minimumCount: 2)).Message);
        using var noColumns = zeros(3, 0);
        Assert.Throws<ArgumentException>(() => PointChecks.Points(noColumns, "x"));
        using var empty = zeros(0, 2, dtype: float64);
        PointChecks.Points(empty, "x", minimumCount: 0);   // an empty batch is fine where the caller allows it
    }

    [Fact]
    public void LabelsMustBeOneIntegerPerPoint()
    {
        using var x = zeros(10, 2);
        using var nine = zeros(9, dtype: int64);
        Assert.Contains("9 labels for 10 points", Assert.Throws<ArgumentException>(() => PointChecks.Labels(x, nine)).Message);
        using var column = zeros(10, 1, dtype: int64);
        Assert.Contains("shape [10, 1]", Assert.Throws<ArgumentException>(() => PointChecks.Labels(x, column)).Message);
        using var floats = zeros(10);
        Assert.Contains("must be integers", Assert.Throws<ArgumentException>(() => PointChecks.Labels(x, floats)).Message);
        using var good = zeros(10, dtype: int32);
        PointChecks.Labels(x, good);
    }

    [Fact]
    public void AllFiniteSpotsNaNAndInfinity()
    {
        using var finite = tensor(new[] { 1.0, -2.0 });
        using var nan = tensor(new[] { 1.0, double.NaN });
        using var inf = tensor(new[] { double.NegativeInfinity, 0.0 });
        Assert.True(PointChecks.AllFinite(finite));
        Assert.False(PointChecks.AllFinite(nan));
        Assert.False(PointChecks.AllFinite(inf));
    }
}
