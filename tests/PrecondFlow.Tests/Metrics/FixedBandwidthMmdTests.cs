using PrecondFlow.Metrics;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class FixedBandwidthMmdTests
{
    [Fact]
    public void FourPointsInOneDimensionGiveTheHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new[] { 0.0, 1.0 }, [2, 1], ScalarType.Float64);
        var b = tensor(new[] { 3.0, 4.0 }, [2, 1], ScalarType.Float64);
        var result = MaximumMeanDiscrepancy.AtBandwidths(a, b, [1.0, 2.0]);
        // k(d) = exp(−d²/(2h²)). Within each set one distinct pair at distance 1; across, distances 3, 4, 2, 3.
        // MMD²_u = k(1) + k(1) − 2·(2k(3) + k(4) + k(2))/4.
        static double Expected(double h)
        {
            double K(double d) => Math.Exp(-d * d / (2 * h * h));
            return 2 * K(1) - (2 * K(3) + K(4) + K(2)) / 2;
        }
        Assert.Equal(new[] { 1.0, 2.0 }, result.Bandwidths);
        // h = 1: 2e^(−1/2) − (2e^(−9/2) + e^(−8) + e^(−2))/2 = 1.134108…; the same float64 terms summed in another order.
        Assert.Equal(Expected(1), result.Values[0], 12);
        Assert.Equal(Expected(2), result.Values[1], 12);
        Assert.Equal(Expected(1) + Expected(2), result.Sum, 12);
    }

    [Fact]
    public void AtTheMedianHeuristicsBandwidthsTheSumIsTheMedianHeuristicsValue()
    {
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator(1);
        var a = randn(300, 2, dtype: ScalarType.Float64, generator: generator);
        var b = randn(250, 2, dtype: ScalarType.Float64, generator: generator) + 0.3;
        var median = MaximumMeanDiscrepancy.Compute(a, b, seed: 4, maxSamples: 200);
        var fixedAtMedian = MaximumMeanDiscrepancy.AtBandwidths(a, b, median.Bandwidths, seed: 4, maxSamples: 200);
        // Same subsample (one seed), same kernel: MMD² is linear in the kernel, so the per-bandwidth values add up.
        Assert.Equal(median.Value, fixedAtMedian.Sum, 12);
    }

    [Fact]
    public void BandwidthsMustBePositive()
    {
        using var scope = NewDisposeScope();
        var a = zeros(3, 1, dtype: ScalarType.Float64);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MaximumMeanDiscrepancy.AtBandwidths(a, a + 1, [0.5, -1]));
        Assert.Contains("-1", error.Message);
    }
}
