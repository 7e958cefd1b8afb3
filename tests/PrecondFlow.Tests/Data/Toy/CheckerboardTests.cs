using PrecondFlow.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

public class CheckerboardTests
{
    [Theory]
    [InlineData(2.0)]
    [InlineData(4.0)]
    public void EveryPointLiesInTheFilledCellOfItsLabel(double extent)
    {
        using var scope = NewDisposeScope();
        var cloud = new Checkerboard(extent).Sample(4000, seed: 1, ScalarType.Float64);
        var side = extent / 2;
        var cells = ((cloud.Points + extent) / side).floor().to(ScalarType.Int64);
        var columns = cells[.., 0].data<long>().ToArray();
        var rows = cells[.., 1].data<long>().ToArray();
        var labels = cloud.Labels!.data<long>().ToArray();
        for (var i = 0; i < labels.Length; i++)
        {
            var (column, row) = Checkerboard.Cell((int)labels[i]);
            Assert.Equal((column, row), ((int)columns[i], (int)rows[i]));
            Assert.Equal(0, (column + row) % 2);
        }
        Assert.True(cloud.Points.abs().max().item<double>() <= extent);
    }

    [Fact]
    public void TheEightCellsAreTheEvenCellsOfTheFourByFourGrid()
    {
        var cells = Enumerable.Range(0, 8).Select(Checkerboard.Cell).ToHashSet();
        var even = Enumerable.Range(0, 4).SelectMany(c => Enumerable.Range(0, 4).Select(r => (c, r))).Where(x => (x.c + x.r) % 2 == 0);
        Assert.True(cells.SetEquals(even));
        Assert.Equal((0, 0), Checkerboard.Cell(0));
    }

    [Fact]
    public void CellsAreEquallyLikelyAndFilledUniformly()
    {
        using var scope = NewDisposeScope();
        const int n = 16_000;
        var cloud = new Checkerboard().Sample(n, seed: 2, ScalarType.Float64);
        var counts = cloud.Labels!.bincount(null, 8).to(ScalarType.Float64) / n;
        // Standard error of a frequency of 1/8 with n = 16000: 0.0026; 0.015 is ~6 of them.
        Assert.True(Moments.MaxAbs(counts - 0.125) < 0.015);
        for (var label = 0; label < 8; label++)
        {
            var (column, row) = Checkerboard.Cell(label);
            var mean = Moments.Mean(cloud.Points[cloud.Labels!.eq(label)]).data<double>().ToArray();
            // A unit cell's coordinate has std 1/√12 = 0.29; over ~2000 points its mean has standard error 0.0065.
            Assert.InRange(mean[0], -2 + column + 0.5 - 0.03, -2 + column + 0.5 + 0.03);
            Assert.InRange(mean[1], -2 + row + 0.5 - 0.03, -2 + row + 0.5 + 0.03);
        }
    }
}
