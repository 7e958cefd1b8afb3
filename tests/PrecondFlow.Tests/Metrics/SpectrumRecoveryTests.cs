using PrecondFlow.Data.Toy;
using PrecondFlow.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class SpectrumRecoveryTests
{
    [Fact]
    public void ExactGaussianSamplesRecoverTheSpectrumWithinSamplingError()
    {
        using var scope = NewDisposeScope();
        var data = new ElongatedGaussian(kappa: 1e4, angleDegrees: 30);
        const int n = 20_000;
        var reference = data.Sample(n, seed: 1, ScalarType.Float64).Points;
        var samples = data.Sample(n, seed: 2, ScalarType.Float64).Points;
        var ratios = SpectrumRecovery.Compute(reference, samples);
        // A sample eigenvalue has relative std ≈ √(2/n); a ratio of two independent ones √(2/n + 2/n) = 0.014.
        // 4 standard deviations: a false alarm about once in 16 000 seeds.
        var tolerance = 4 * Math.Sqrt(4.0 / n);
        foreach (var value in new[] { ratios.MinRatio, ratios.MaxRatio, ratios.GeneralizedMin!.Value, ratios.GeneralizedMax!.Value })
            Assert.InRange(value, 1 - tolerance, 1 + tolerance);
    }

    [Fact]
    public void ScaledSamplesGiveTheSquaredScaleInEveryRatio()
    {
        using var scope = NewDisposeScope();
        var reference = new ElongatedGaussian(kappa: 100).Sample(500, seed: 3, ScalarType.Float64).Points;
        var ratios = SpectrumRecovery.Compute(reference, 3 * reference + 7);
        // Σ_samples = 9 Σ_ref exactly; round-off of two float64 eigendecompositions only.
        foreach (var value in new[] { ratios.MinRatio, ratios.MaxRatio, ratios.GeneralizedMin!.Value, ratios.GeneralizedMax!.Value })
            Assert.Equal(9, value, 9);
    }

    [Fact]
    public void ATooWideThinDirectionShowsInTheMinimumRatioOnly()
    {
        using var scope = NewDisposeScope();
        var data = new ElongatedGaussian(kappa: 1e4, angleDegrees: 0);
        var reference = data.Sample(4000, seed: 4, ScalarType.Float64).Points;
        // Axis-aligned (θ = 0): the thin direction is the second coordinate; stretch it by √13.3 as an unpreconditioned
        // model did in the measurement.
        var samples = reference * tensor(new[] { 1, Math.Sqrt(13.3) }, ScalarType.Float64);
        var ratios = SpectrumRecovery.Compute(reference, samples);
        // The sample covariance's small off-diagonal term (~√(λ_max λ_min/n)) tilts the eigenvectors slightly: 1e-3 relative.
        Assert.Equal(13.3, ratios.MinRatio, 13.3 * 1e-3);
        Assert.Equal(1, ratios.MaxRatio, 1e-3);
        Assert.Equal(13.3, ratios.GeneralizedMax!.Value, 13.3 * 1e-3);
    }

    [Fact]
    public void GeneralizedEigenvaluesAreInvariantUnderOneAffineMapOfBothSets()
    {
        using var scope = NewDisposeScope();
        var reference = new ElongatedGaussian(kappa: 50).Sample(800, seed: 5, ScalarType.Float64).Points;
        var samples = new ElongatedGaussian(kappa: 5, angleDegrees: -20).Sample(600, seed: 6, ScalarType.Float64).Points;
        var map = tensor(new[] { 2.0, 0.7, -0.4, 0.3 }, [2, 2], ScalarType.Float64);
        var before = SpectrumRecovery.Compute(reference, samples);
        var after = SpectrumRecovery.Compute(reference.matmul(map.T) + 3, samples.matmul(map.T) + 3);
        // Σ ↦ AΣAᵀ leaves the eigenvalues of Σ_ref⁻¹Σ_samples unchanged; float64 round-off amplified by κ(A) only.
        Assert.Equal(before.GeneralizedMin!.Value, after.GeneralizedMin!.Value, 9);
        Assert.Equal(before.GeneralizedMax!.Value, after.GeneralizedMax!.Value, 9);
    }

    [Fact]
    public void PerClassRatiosSingleOutTheClassThatWasStretched()
    {
        using var scope = NewDisposeScope();
        var cloud = new EightGaussians().Sample(4000, seed: 7, ScalarType.Float64);
        var labels = cloud.Labels!;
        // Class 3 is stretched by 2 about its own mean: its covariance becomes 4 times larger, the others stay.
        var isThree = (labels == 3).unsqueeze(1);
        var classMean = cloud.Points.index_select(0, (labels == 3).nonzero().flatten()).mean([0]);
        var samples = where(isThree, classMean + 2 * (cloud.Points - classMean), cloud.Points);
        var perClass = SpectrumRecovery.PerClass(cloud.Points, labels, samples, labels);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), perClass.Keys);
        foreach (var (label, ratios) in perClass)
            Assert.Equal(label == 3 ? 4 : 1, ratios.MinRatio, 9);
    }

    [Fact]
    public void ASingularReferenceHasNoGeneralizedEigenvalues()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(8);
        var line = randn(100, 1, dtype: ScalarType.Float64, generator: generator) * tensor(new[] { 1.0, 2.0 }, ScalarType.Float64);
        var ratios = SpectrumRecovery.Compute(line, randn(100, 2, dtype: ScalarType.Float64, generator: generator));
        Assert.Null(ratios.GeneralizedMin);
        Assert.Null(ratios.GeneralizedMax);
    }
}
