using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Fields;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;
using PrecondFlow.Tests.Sampling;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Pipeline;

/// <summary>The composed model run backwards (x → P(x) → F⁻¹) and forwards from given base points, and trained on a
/// preconditioner fitted beforehand.</summary>
public class PreconditionedModelDirectionsTests
{
    private static PointCloud Correlated(long n, long seed, double shift = 0)
    {
        using var g = new Generator((ulong)seed);
        using var l = tensor(new[,] { { 2.0, 0 }, { 1.5, 0.3 } }, dtype: float64);
        return new PointCloud(randn(new[] { n, 2L }, dtype: float64, generator: g).matmul(l.T) + shift);
    }

    /// <summary>Whitening fitted on correlated data, then the spiral field of <see cref="EncodeTests"/> as the main flow.</summary>
    private static (PreconditionedModel Model, AffineWhitening Whitening) SpiralWithWhitening()
    {
        var whitening = new AffineWhitening(2);
        whitening.Fit(Correlated(2000, 1));
        var inner = EncodeTests.SpiralModel();
        return (PreconditionedModel.Compose(whitening, inner.Field, inner.Spec), whitening);
    }

    [Fact]
    public void EncodeIsFlowBackwardsAfterThePreconditioner()
    {
        var (model, whitening) = SpiralWithWhitening();
        using var _ = model;
        var x = Correlated(100, 2).Points;
        using var scope = NewDisposeScope();
        var z = model.Encode(x, new SamplingOptions(Solver: "rk4", Steps: 20)).Points;
        // z = exp(−A)·P(x) exactly for this field; RK4 with 20 steps is accurate to ≈ 1e-8 relative.
        var expected = EncodeTests.Flow(whitening.Forward(x).Z, -1);
        double error = ((z - expected).norm() / expected.norm()).item<double>();
        Assert.True(error < 1e-6, $"relative error {error:E2}");
    }

    [Fact]
    public void DecodeAfterEncodeReturnsTheDataWithinTheSolversAccuracy()
    {
        var (model, _) = SpiralWithWhitening();
        using var _ = model;
        var x = Correlated(100, 3).Points;
        using var scope = NewDisposeScope();
        var options = new SamplingOptions(Solver: "dopri5", Adaptive: new AdaptiveOptions(1e-7, 1e-7), KeepTrajectory: true);
        var encoded = model.Encode(x, options);
        var decoded = model.Decode(encoded.Points, options);
        double error = ((decoded.Points - x).norm() / x.norm()).item<double>();
        // Two adaptive solves at tolerance 1e-7, and whitening's exact inverse (float64): 1e-5 leaves a wide margin.
        Assert.True(error < 1e-5, $"relative round-trip error {error:E2}");
        // Both trajectories are shown in data coordinates: encoding starts at x, decoding ends at the decoded points.
        double start = ((encoded.Trajectory![0] - x).norm() / x.norm()).item<double>();
        Assert.True(start < 1e-12, $"the encoding trajectory starts {start:E2} away from x");
        Assert.True(decoded.Trajectory![^1].allclose(decoded.Points));
    }

    [Fact]
    public void TrainingOnAFittedPreconditionerNeitherRefitsItNorChargesItsFitAgain()
    {
        var whitening = new AffineWhitening(2);
        var fit = whitening.Fit(Correlated(2000, 4));
        using var fittedMean = whitening.Mean;
        // Data from another distribution: a refit would move the mean by about 5.
        var data = Correlated(1000, 5, shift: 5.0);
        var config = new FieldConfig(Dim: 2, Hidden: new[] { 16 });
        manual_seed(1);
        using var model = PreconditionedModel.TrainOnFitted(data, whitening, new MlpVectorField(config), new ModelSpec(config),
            new TrainingOptions(Steps: 20, BatchSize: 64, Seed: 1), fit);
        using var meanAfter = ((AffineWhitening)model.Preconditioner).Mean;
        Assert.True(meanAfter.equal(fittedMean).all().item<bool>(), "the preconditioner was refitted");
        Assert.Same(fit, model.PreconditionerFit);
        Assert.Equal(fit.Seconds, model.Times.PreconditionerSeconds);
        Assert.True(model.Times.MainFlowSeconds > 0);
        using var expected = whitening.Forward(data.Points).Z;
        Assert.True(model.TrainingTarget!.Points.allclose(expected), "the main flow must be trained on P(x)");
    }

    [Fact]
    public void TrainingOnAnUnfittedPreconditionerIsRefused()
    {
        var config = new FieldConfig(Dim: 2, Hidden: new[] { 16 });
        using var whitening = new AffineWhitening(2);
        var e = Assert.Throws<InvalidOperationException>(() => PreconditionedModel.TrainOnFitted(Correlated(100, 6), whitening,
            new MlpVectorField(config), new ModelSpec(config), new TrainingOptions(Steps: 1, BatchSize: 8)));
        Assert.Contains("not fitted", e.Message);
    }
}
