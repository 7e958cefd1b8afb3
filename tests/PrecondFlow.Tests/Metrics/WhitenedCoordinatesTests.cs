using PrecondFlow.Data.Toy;
using PrecondFlow.LinearAlgebra;
using PrecondFlow.Metrics;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class WhitenedCoordinatesTests
{
    private static readonly double[] Map = [2.0, 0.7, -0.4, 0.3];

    [Fact]
    public void TheReferenceHasMeanZeroAndIdentityCovariance()
    {
        using var scope = NewDisposeScope();
        var reference = new ElongatedGaussian(kappa: 1e4).Sample(2000, seed: 1, ScalarType.Float64).Points;
        using var whitening = WhitenedCoordinates.Fit(reference)!;
        var z = whitening.Apply(reference);
        // Exact in exact arithmetic; float64 round-off amplified by √κ = 100 stays below 1e-10.
        Assert.True(z.mean([0]).abs().max().item<double>() < 1e-10);
        Assert.True((SampleCovariance.Of(z) - eye(2, dtype: ScalarType.Float64)).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void WhitenedDistancesAreInvariantUnderOneAffineMapOfBothSets()
    {
        using var scope = NewDisposeScope();
        var reference = new ElongatedGaussian(kappa: 1e3).Sample(1500, seed: 2, ScalarType.Float64).Points;
        var samples = new ElongatedGaussian(kappa: 30, angleDegrees: 10).Sample(1200, seed: 3, ScalarType.Float64).Points;
        var a = tensor(Map, [2, 2], ScalarType.Float64);
        var shift = tensor(new[] { 5.0, -2.0 }, ScalarType.Float64);

        using var before = ReferenceSet.Prepare(reference);
        using var after = ReferenceSet.Prepare(reference.matmul(a.T) + shift);
        var q1 = SampleQualityMetrics.Evaluate(before, samples, seed: 9);
        var q2 = SampleQualityMetrics.Evaluate(after, samples.matmul(a.T) + shift, seed: 9);

        // The whitened points are the same up to round-off (the rotation to the fourth-moment frame removes the
        // orthogonal freedom, see WhitenedCoordinates), so even the sliced distances with their fixed random
        // directions agree: relative 1e-9 covers round-off amplified by κ(A) and κ(Σ_ref).
        Assert.Equal(q1.WhitenedSlicedWasserstein2!.Value, q2.WhitenedSlicedWasserstein2!.Value, 1e-9 * q1.WhitenedSlicedWasserstein2.Value);
        Assert.Equal(q1.WhitenedSlicedWasserstein1!.Value, q2.WhitenedSlicedWasserstein1!.Value, 1e-9 * q1.WhitenedSlicedWasserstein1.Value);
        Assert.Equal(q1.WhitenedMmd!.Value, q2.WhitenedMmd!.Value, 1e-9 * Math.Abs(q1.WhitenedMmd.Value));
        Assert.Equal(q1.WhitenedEnergy!.Value, q2.WhitenedEnergy!.Value, 1e-9 * q1.WhitenedEnergy.Value);
        Assert.Equal(q1.WhitenedFrechet!.Value, q2.WhitenedFrechet!.Value, 1e-9 * q1.WhitenedFrechet.Value);
        // The same distances in data units do change under A: the property above is not vacuous.
        Assert.True(Math.Abs(q2.SlicedWasserstein2 / q1.SlicedWasserstein2 - 1) > 0.1,
            $"SW₂ in data units: {q1.SlicedWasserstein2:G4} before, {q2.SlicedWasserstein2:G4} after the map");
    }

    [Fact]
    public void ASingularReferenceHasNoWhitenedCoordinates()
    {
        using var scope = NewDisposeScope();
        var line = linspace(0, 1, 50, dtype: ScalarType.Float64).unsqueeze(1) * tensor(new[] { 1.0, 2.0 }, ScalarType.Float64);
        Assert.Null(WhitenedCoordinates.Fit(line));
    }
}
