using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;
using PrecondFlow.Tests.Fields;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

/// <summary>The flow preconditioner with the main flow's UNet as its velocity field (the paper's Table 3 set-up).</summary>
public class FlowPreconditionerUNetTests
{
    /// <summary>A class-conditional UNet of 1×8×8 images, trained briefly with RK4 maps: the test's time goes to the UNet.</summary>
    private static readonly FlowPreconditionerOptions UNetOptions = new(Steps: 12, BatchSize: 16, LearningRate: 2e-3,
        Solver: "rk4", SolverSteps: 8, Field: UNetVectorFieldTests.Tiny);

    /// <summary>Three classes of 8×8 images: a fixed random pattern per class plus noise of std 0.1.</summary>
    private static PointCloud Patterns(int count = 120)
    {
        using var g = new Generator(11);
        var patterns = randn(new long[] { 3, 64 }, generator: g);
        var labels = randint(3, new long[] { count }, dtype: ScalarType.Int64, generator: g);
        var points = patterns.index_select(0, labels) + 0.1 * randn(new long[] { count, 64 }, generator: g);
        return new PointCloud(points, labels, 3) { ImageShape = [1, 8, 8] };
    }

    private static FlowPreconditioner Fitted(PointCloud data)
    {
        var p = new FlowPreconditioner(data.Dim, UNetOptions, numClasses: 3);
        Assert.True(p.Fit(data, seed: 3).Passed, "the UNet preconditioner failed its invertibility check");
        return p;
    }

    [Fact]
    public void ItsFieldIsTheGivenUNetWithThePreconditionersDimensionAndClasses()
    {
        using var p = new FlowPreconditioner(64, UNetOptions with { Field = UNetVectorFieldTests.Tiny with { Dim = 1, NumClasses = 0 } }, numClasses: 3);
        Assert.Equal("unet", p.Config.Kind);
        Assert.Equal(64, p.Config.Dim);
        Assert.Equal(3, p.Config.NumClasses);
        using var generator = new Generator(1);
        using var unet = VectorFields.Create(UNetVectorFieldTests.Tiny, generator);
        Assert.Equal(VectorFields.ParameterCount(unet), p.ParameterCount);
    }

    [Fact]
    public void AnImageShapeThatDoesNotHoldTheDataIsRefusedWhenBuilt()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new FlowPreconditioner(63, UNetOptions, numClasses: 3));
        Assert.Contains("1×8×8 holds 64 values", error.Message);
    }

    [Fact]
    public void ItsMapsAreDeterministicInvertAndSurviveSaving()
    {
        var data = Patterns();
        using var p = Fitted(data);
        var x = data.Points.slice(0, 0, 20, 1);
        var y = data.Labels!.slice(0, 0, 20, 1);
        // Dropout is on only while training: applying P twice gives the same points bit for bit.
        var z = p.Transform(x, y);
        Assert.True(PreconditionerCases.Identical(z, p.Transform(x, y)));
        Assert.True(PreconditionerCases.RelativeError(z, x) > 1e-2, "twelve steps should move the points");
        Assert.True(PreconditionerCases.RelativeError(p.Inverse(z, y), x) < FlowPreconditioner.RoundTripThreshold);

        using var folder = new TempFolder();
        p.Save(folder.Path);
        using var loaded = Preconditioners.Load(folder.Path);
        var reloaded = Assert.IsType<FlowPreconditioner>(loaded);
        Assert.Equal("unet", reloaded.Config.Kind);
        Assert.True(PreconditionerCases.Identical(z, loaded.Transform(x, y)));
    }
}
