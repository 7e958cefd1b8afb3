using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Tests.Experiments;

public class MeanStdTests
{
    [Fact]
    public void TheSpreadIsTheSampleStandardDeviation()
    {
        // 1, 2, 3, 4: mean 2.5, squared deviations sum to 5, divided by n − 1 = 3.
        var summary = MeanStd.Of([1.0, 2.0, 3.0, 4.0]);
        Assert.Equal(2.5, summary.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), summary.Std, 12);
        Assert.Equal(4, summary.Count);
        Assert.Equal("2.5 ± 1.3", summary.ToString());
    }

    [Fact]
    public void ASingleValueHasNoSpreadAndNoValueIsRejected()
    {
        Assert.Equal(0, MeanStd.Of([7.0]).Std);
        Assert.Throws<ArgumentException>(() => MeanStd.Of(Array.Empty<double>()));
    }
}
