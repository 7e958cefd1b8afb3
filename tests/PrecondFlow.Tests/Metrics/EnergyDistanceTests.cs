using PrecondFlow.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class EnergyDistanceTests
{
    [Fact]
    public void IdenticalSetsAreAtDistanceZero()
    {
        using var generator = new Generator(1);
        using var a = randn(300, 4, generator: generator);
        // V-statistic: the three means are of the same matrix of exact coordinate-difference distances,
        // so the value is 0 up to the summation's round-off.
        Assert.Equal(0.0, EnergyDistance.Compute(a, a.clone()), 12);
    }

    [Fact]
    public void InOneDimensionItIsTwiceTheIntegratedSquaredGapOfTheEmpiricalCdfs()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(2);
        var a = randn(50, 1, dtype: ScalarType.Float64, generator: generator);
        var b = randn(70, 1, dtype: ScalarType.Float64, generator: generator) * 1.5 + 0.3;
        var xs = a.flatten().data<double>().ToArray();
        var ys = b.flatten().data<double>().ToArray();
        // Székely's identity for empirical measures: D = 2∫(F_a − F_b)² dx, integrated exactly between
        // consecutive pooled points where both CDFs are constant.
        var pooled = xs.Concat(ys).OrderBy(v => v).ToArray();
        var integral = 0.0;
        for (var k = 0; k + 1 < pooled.Length; k++)
        {
            var fa = xs.Count(v => v <= pooled[k]) / (double)xs.Length;
            var fb = ys.Count(v => v <= pooled[k]) / (double)ys.Length;
            integral += (fa - fb) * (fa - fb) * (pooled[k + 1] - pooled[k]);
        }
        Assert.Equal(2 * integral, EnergyDistance.Compute(a, b), 10);
    }

    [Fact]
    public void ShiftedSetsArePositiveAndTheValueIsSymmetric()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var a = randn(400, 2, dtype: ScalarType.Float64, generator: generator);
        var b = randn(300, 2, dtype: ScalarType.Float64, generator: generator) + tensor(new[] { 1.0, 0 });
        var ab = EnergyDistance.Compute(a, b);
        Assert.True(ab > 0.1, $"energy distance for a unit shift: {ab:G4}");
        Assert.Equal(ab, EnergyDistance.Compute(b, a), 12);
    }

    [Fact]
    public void LargeSetsAreSubsampledReproduciblyWithTheSeed()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var a = randn(3000, 2, generator: generator);
        var b = randn(3000, 2, generator: generator);
        Assert.Equal(EnergyDistance.Compute(a, b, seed: 1, maxSamples: 300), EnergyDistance.Compute(a, b, seed: 1, maxSamples: 300));
        Assert.NotEqual(EnergyDistance.Compute(a, b, seed: 1, maxSamples: 300), EnergyDistance.Compute(a, b, seed: 2, maxSamples: 300));
    }
}
