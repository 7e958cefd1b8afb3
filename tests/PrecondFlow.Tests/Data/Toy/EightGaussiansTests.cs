using PrecondFlow.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

public class EightGaussiansTests
{
    [Fact]
    public void EachLabelsPointsCentreOnItsGaussianWithTheRequestedSpread()
    {
        using var scope = NewDisposeScope();
        const int n = 16_000;
        var dataset = new EightGaussians(radius: 2, std: 0.2);
        var cloud = dataset.Sample(n, seed: 1, ScalarType.Float64);
        for (var label = 0; label < 8; label++)
        {
            var points = cloud.Points[cloud.Labels!.eq(label)];
            var mean = Moments.Mean(points).data<double>().ToArray();
            var (x, y) = dataset.Centre(label);
            // ~2000 points per label: the mean's standard error is 0.2/√2000 = 0.0045; 0.025 is 5.5 of them.
            Assert.InRange(mean[0], x - 0.025, x + 0.025);
            Assert.InRange(mean[1], y - 0.025, y + 0.025);
            // The std's standard error is 0.2/√(2·2000) = 0.0032 per coordinate; 0.015 is 4.7 of them.
            var std = points.std(dim: 0).data<double>().ToArray();
            Assert.All(std, s => Assert.InRange(s, 0.185, 0.215));
        }
        // Frequencies of 1/8 have standard error 0.0026 at n = 16000.
        Assert.True(Moments.MaxAbs(cloud.Labels!.bincount(null, 8).to(ScalarType.Float64) / n - 0.125) < 0.015);
    }

    [Fact]
    public void CentresSitOnTheCircleAtMultiplesOfFortyFiveDegrees()
    {
        var dataset = new EightGaussians(radius: 4);
        Assert.Equal(4.0, dataset.Centre(0).X, 12);
        Assert.Equal(0.0, dataset.Centre(0).Y, 12);
        Assert.Equal(4.0, dataset.Centre(2).Y, 12);
        Assert.Equal(-4 / Math.Sqrt(2), dataset.Centre(5).X, 12);
        Assert.Equal(-4 / Math.Sqrt(2), dataset.Centre(5).Y, 12);
    }
}
