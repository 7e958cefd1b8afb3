using PrecondFlow.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class MaximumMeanDiscrepancyTests
{
    private static Tensor Gaussian(int n, int dim, ulong seed, double shift = 0)
    {
        using var generator = new Generator(seed);
        var x = randn(n, dim, dtype: ScalarType.Float64, generator: generator);
        x[.., 0].add_(shift);
        return x;
    }

    [Fact]
    public void SameDistributionGivesNearlyZeroAndAShiftedOneAClearlyPositiveValue()
    {
        using var scope = NewDisposeScope();
        var a = Gaussian(1000, 2, 1);
        var b = Gaussian(1000, 2, 2);
        var shifted = Gaussian(1000, 2, 3, shift: 1.0);
        var same = MaximumMeanDiscrepancy.Compute(a, b).Value;
        var different = MaximumMeanDiscrepancy.Compute(a, shifted).Value;
        Assert.True(different > 0.1, $"MMD² for a unit shift: {different:G4}");
        // The unbiased estimate between two samples of one law fluctuates around 0 with a standard
        // deviation of O(1/n) (≈1e-3 here; measured 1.2e-3 against 0.28 for the shifted pair, 0.4%);
        // 5% of the shifted pair's value leaves room for that fluctuation.
        Assert.True(Math.Abs(same) < 0.05 * different, $"MMD² same law: {same:G4}, shifted: {different:G4}");
    }

    [Fact]
    public void UnbiasedEstimateEqualsABruteForceDoubleSum()
    {
        using var scope = NewDisposeScope();
        var a = Gaussian(7, 3, 4);
        var b = Gaussian(5, 3, 5, shift: 0.5);
        var result = MaximumMeanDiscrepancy.Compute(a, b);
        double[][] x = Rows(a), y = Rows(b);
        double K(double[] p, double[] q) => result.Bandwidths.Sum(h =>
            Math.Exp(-p.Zip(q, (u, v) => (u - v) * (u - v)).Sum() / (2 * h * h)));
        double sxx = 0, syy = 0, sxy = 0;
        for (var i = 0; i < 7; i++) for (var j = 0; j < 7; j++) if (i != j) sxx += K(x[i], x[j]);
        for (var i = 0; i < 5; i++) for (var j = 0; j < 5; j++) if (i != j) syy += K(y[i], y[j]);
        for (var i = 0; i < 7; i++) for (var j = 0; j < 5; j++) sxy += K(x[i], y[j]);
        var expected = sxx / 42 + syy / 20 - 2 * sxy / 35;
        // Same float64 quantities, different summation order and distance formula: round-off only.
        Assert.Equal(expected, result.Value, 12);
    }

    [Fact]
    public void BandwidthsAreTheMedianPooledDistanceTimesTheFactors()
    {
        using var scope = NewDisposeScope();
        var a = Gaussian(30, 2, 6);
        var b = Gaussian(20, 2, 7, shift: 2);
        var result = MaximumMeanDiscrepancy.Compute(a, b, bandwidthFactors: new[] { 0.5, 1, 3 });
        var pooled = Rows(cat(new[] { a, b }, 0));
        var distances = new List<double>();
        for (var i = 0; i < pooled.Length; i++)
            for (var j = i + 1; j < pooled.Length; j++)
                distances.Add(Math.Sqrt(pooled[i].Zip(pooled[j], (u, v) => (u - v) * (u - v)).Sum()));
        distances.Sort();
        var lowerMedian = distances[(distances.Count - 1) / 2];
        Assert.Equal(lowerMedian, result.MedianDistance, 10);
        Assert.Equal(new[] { 0.5 * lowerMedian, lowerMedian, 3 * lowerMedian }, result.Bandwidths.ToArray(),
            new Comparison(1e-10));
    }

    [Fact]
    public void LargeSetsAreSubsampledReproduciblyWithTheSeed()
    {
        using var scope = NewDisposeScope();
        var a = Gaussian(3000, 2, 8);
        var b = Gaussian(2500, 2, 9);
        var first = MaximumMeanDiscrepancy.Compute(a, b, seed: 1, maxSamples: 400);
        var again = MaximumMeanDiscrepancy.Compute(a, b, seed: 1, maxSamples: 400);
        var other = MaximumMeanDiscrepancy.Compute(a, b, seed: 2, maxSamples: 400);
        Assert.Equal((400L, 400L), (first.CountA, first.CountB));
        Assert.Equal(first.Value, again.Value);
        Assert.NotEqual(first.Value, other.Value);
    }

    [Fact]
    public void MismatchedDimensionsAreRejected()
    {
        using var a = zeros(5, 2);
        using var b = zeros(5, 3);
        var error = Assert.Throws<ArgumentException>(() => MaximumMeanDiscrepancy.Compute(a, b));
        Assert.Contains("same dimension; got 2 and 3", error.Message);
    }

    internal static double[][] Rows(Tensor x)
    {
        var values = x.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var d = (int)x.shape[1];
        return Enumerable.Range(0, (int)x.shape[0]).Select(i => values.Skip(i * d).Take(d).ToArray()).ToArray();
    }

    private sealed class Comparison(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));
        public int GetHashCode(double obj) => 0;
    }
}
