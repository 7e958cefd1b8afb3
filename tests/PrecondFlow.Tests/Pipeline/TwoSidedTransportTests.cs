using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Fields;
using PrecondFlow.Metrics;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Pipeline;

/// <summary>The two-sided transport x₁ = T⁻¹(F(S(x₀))) between two data sets, with a map on each side.</summary>
public class TwoSidedTransportTests
{
    private static readonly FieldConfig Config = new(Dim: 2, Hidden: new[] { 32, 32 });
    private static readonly ModelSpec Spec = new(Config);

    private static PointCloud Source(long n, long seed) =>
        new Checkerboard().Sample(n, seed) with { Labels = null, NumClasses = 0 };

    private static PointCloud Target(long n, long seed) => new SwissRoll(0.05).Sample(n, seed);

    private static TwoSidedTransport Whitened(int steps = 300)
    {
        manual_seed(1);
        return TwoSidedTransport.Train(Source(2000, 1), Target(2000, 2), new AffineWhitening(2), new AffineWhitening(2),
            new MlpVectorField(Config), Spec, new TrainingOptions(Steps: steps, BatchSize: 256, LearningRate: 3e-3, Seed: 3));
    }

    private static SamplingOptions Tight => new(Solver: "dopri5", Adaptive: new AdaptiveOptions(1e-6, 1e-6));

    [Fact]
    public void ItTrainsTheMainFlowBetweenTheMappedSetsWithEachMapFittedToItsOwnSide()
    {
        using var transport = Whitened(steps: 20);
        var source = Source(2000, 1);
        var target = Target(2000, 2);
        var s = (AffineWhitening)transport.SourceMap;
        var t = (AffineWhitening)transport.TargetMap;
        // The checkerboard is centred, the Swiss roll is not: the two fitted means differ, so the sides cannot be swapped.
        using var sourceMean = source.Points.to(float64).mean([0]);
        using var targetMean = target.Points.to(float64).mean([0]);
        Assert.True(s.Mean.allclose(sourceMean, rtol: 0, atol: 1e-6) && t.Mean.allclose(targetMean, rtol: 0, atol: 1e-6));
        Assert.True((sourceMean - targetMean).norm().item<double>() > 0.1);
        Assert.True(transport.TrainingSource!.Points.allclose(s.Forward(source.Points).Z));
        Assert.True(transport.TrainingTarget!.Points.allclose(t.Forward(target.Points).Z));
        Assert.True(transport.Times.MainFlowSeconds > 0);
        Assert.Equal(20, transport.Trainer.Step);
    }

    [Fact]
    public void TransportIsTheTargetsInverseOfTheMainFlowOfTheSourcesMap()
    {
        using var transport = Whitened(steps: 50);
        var x0 = Source(300, 4).Points;
        using var scope = NewDisposeScope();
        var options = new SamplingOptions(Solver: "rk4", Steps: 10);
        var x1 = transport.Transport(x0, options).Points;
        var byHand = transport.TargetMap.Inverse(Sampler.SampleFrom(transport.Model, transport.SourceMap.Forward(x0).Z, options).Points);
        Assert.True(x1.allclose(byHand, rtol: 0, atol: 1e-6), "Transport must be T⁻¹ ∘ F ∘ S");
        Assert.True(transport.TransportMapped(transport.SourceMap.Forward(x0).Z, options).Points.allclose(x1, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void TransportingBackReturnsTheSourcePointsWithinTheSolversAccuracy()
    {
        using var transport = Whitened();
        var x0 = Source(300, 5).Points;
        using var scope = NewDisposeScope();
        var x1 = transport.Transport(x0, Tight).Points;
        var back = transport.TransportBack(x1, Tight).Points;
        double moved = ((x1 - x0).norm() / x0.norm()).item<float>();
        double error = ((back - x0).norm() / x0.norm()).item<float>();
        // Two adaptive solves at tolerance 1e-6 of a float32 network (rounding ≈ 1e-7 per step): 1e-3 leaves a wide margin,
        // and is far below how far the transport moves the points.
        Assert.True(error < 1e-3, $"relative round-trip error {error:E2}");
        Assert.True(moved > 0.1, $"the transport moved the points by only {moved:F3}");
    }

    [Fact]
    public void AShortlyTrainedTransportBringsTheSourceCloserToTheTarget()
    {
        using var transport = Whitened();
        var x0 = Source(1000, 6).Points;
        var heldOut = Target(1000, 7).Points;
        using var scope = NewDisposeScope();
        var x1 = transport.Transport(x0, new SamplingOptions(Solver: "rk4", Steps: 20)).Points;
        double before = MaximumMeanDiscrepancy.Compute(x0, heldOut, seed: 1).Value;
        double after = MaximumMeanDiscrepancy.Compute(x1, heldOut, seed: 1).Value;
        Assert.True(after < before / 2, $"MMD² to the target: {before:E2} before, {after:E2} after transport");
    }

    [Fact]
    public void WithIdentityMapsItIsPlainFlowMatchingFromTheSourcePoints()
    {
        manual_seed(1);
        using var transport = TwoSidedTransport.TrainOnFitted(Source(500, 1), Target(500, 2), new IdentityPreconditioner(2),
            new IdentityPreconditioner(2), new MlpVectorField(Config), Spec, new TrainingOptions(Steps: 10, BatchSize: 64, Seed: 3));
        var x0 = Source(100, 8).Points;
        using var scope = NewDisposeScope();
        var options = new SamplingOptions(Solver: "rk4", Steps: 5);
        Assert.True(transport.Transport(x0, options).Points.equal(Sampler.SampleFrom(transport.Model, x0, options).Points).all().item<bool>());
        Assert.Equal(0, transport.Times.PreconditionerSeconds);
    }

    [Fact]
    public void TrainingOnFittedMapsChargesTheirFitsAsGivenAndRefusesUnfittedOnes()
    {
        var source = Source(500, 1);
        var target = Target(500, 2);
        var s = new AffineWhitening(2);
        var t = new AffineWhitening(2);
        var sourceFit = s.Fit(source);
        var targetFit = t.Fit(target);
        using (var transport = TwoSidedTransport.TrainOnFitted(source, target, s, t, new MlpVectorField(Config), Spec,
                   new TrainingOptions(Steps: 5, BatchSize: 64), sourceFit, targetFit))
            Assert.Equal(sourceFit.Seconds + targetFit.Seconds, transport.Times.PreconditionerSeconds);

        using var unfitted = new AffineWhitening(2);
        using var identity = new IdentityPreconditioner(2);
        var e = Assert.Throws<InvalidOperationException>(() => TwoSidedTransport.TrainOnFitted(source, target, identity, unfitted,
            new MlpVectorField(Config), Spec, new TrainingOptions(Steps: 5, BatchSize: 64)));
        Assert.Contains("target", e.Message);
        Assert.Contains("not fitted", e.Message);
    }

    [Fact]
    public void LabelConditionalMapsAreRefusedBeforeAnythingIsFitted()
    {
        using var conditional = new ClassConditionalWhitening(2, 3);
        using var identity = new IdentityPreconditioner(2);
        var e = Assert.Throws<ArgumentException>(() => TwoSidedTransport.Train(Source(100, 1), Target(100, 2), conditional, identity,
            new MlpVectorField(Config), Spec, new TrainingOptions(Steps: 5, BatchSize: 16)));
        Assert.Contains("unconditional", e.Message);
        Assert.False(conditional.IsFitted);
    }
}
