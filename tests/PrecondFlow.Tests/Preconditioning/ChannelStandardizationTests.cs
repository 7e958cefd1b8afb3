using PrecondFlow.Data;
using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

/// <summary>The matching-point operator: one mean and one scale per channel of (C, H, W) points.</summary>
public class ChannelStandardizationTests
{
    /// <summary>(n, 3·4·4) float64 images whose three channels have means 2, −1, 5 and scales 0.5, 3, 10.</summary>
    private static PointCloud ThreeChannelImages(long n = 2000, long seed = 4)
    {
        using var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var noise = randn(new long[] { n, 3, 4, 4 }, dtype: ScalarType.Float64, generator: generator);
        var means = tensor(new[] { 2.0, -1.0, 5.0 }).view(1, 3, 1, 1);
        var scales = tensor(new[] { 0.5, 3.0, 10.0 }).view(1, 3, 1, 1);
        return new PointCloud((noise * scales + means).flatten(1).MoveToOuterDisposeScope()) { ImageShape = [3, 4, 4] };
    }

    [Fact]
    public void EachChannelComesOutWithZeroMeanAndUnitScaleOverAllItsPixels()
    {
        var data = ThreeChannelImages();
        using var p = new ChannelStandardization(data.Dim, channels: 3);
        p.Fit(data);
        var z = p.Forward(data.Points).Z.view(data.Count, 3, 16);
        // The fitted statistics are those of these very points, so the output's are 0 and 1 up to float64 rounding.
        var mean = z.mean([0, 2]).data<double>().ToArray();
        var sd = z.square().mean([0, 2]).sqrt().data<double>().ToArray();
        Assert.All(mean, m => Assert.InRange(m, -1e-12, 1e-12));
        Assert.All(sd, s => Assert.InRange(s, 1 - 1e-12, 1 + 1e-12));
        // And they are the generating statistics to sampling accuracy (2000·16 values per channel: a few percent).
        var scale = p.Scale.data<double>().ToArray();
        Assert.InRange(scale[0], 0.48, 0.52);
        Assert.InRange(scale[1], 2.9, 3.1);
        Assert.InRange(scale[2], 9.7, 10.3);
        Assert.Equal(6, p.ParameterCount);
    }

    [Fact]
    public void ItsLogDeterminantIsMinusThePixelCountTimesTheSumOfLogScales()
    {
        var data = ThreeChannelImages();
        using var p = new ChannelStandardization(data.Dim, channels: 3);
        p.Fit(data);
        var scale = p.Scale.data<double>().ToArray();
        double expected = -16 * scale.Sum(Math.Log);
        var (_, logDet) = p.Forward(data.Points.slice(0, 0, 5, 1));
        Assert.All(logDet.data<double>().ToArray(), v => Assert.Equal(expected, v, 10));
    }

    [Fact]
    public void ItCommutesWithShiftingTheImageSoAConvolutionSeesTheSameStructure()
    {
        // One mean and scale per channel: moving pixels inside a channel before or after the map gives the same points.
        var data = ThreeChannelImages();
        using var p = new ChannelStandardization(data.Dim, channels: 3);
        p.Fit(data);
        var x = data.Points.slice(0, 0, 10, 1);
        Tensor Shift(Tensor v) => v.view(-1, 3, 4, 4).roll(1, 3).flatten(1);
        var a = Shift(p.Forward(x).Z);
        var b = p.Forward(Shift(x)).Z;
        Assert.True(a.allclose(b, rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void WithoutChannelsEveryCoordinateIsStandardizedOnItsOwn()
    {
        var data = ThreeChannelImages();
        using var p = new ChannelStandardization(data.Dim);
        p.Fit(data);
        Assert.Equal(data.Dim, p.Groups);
        var sd = p.Forward(data.Points).Z.std(0, unbiased: false).data<double>().ToArray();
        Assert.All(sd, s => Assert.InRange(s, 1 - 1e-12, 1 + 1e-12));
    }

    [Fact]
    public void AConstantChannelIsRefusedByNumber()
    {
        var data = ThreeChannelImages();
        var points = data.Points.view(data.Count, 3, 16).clone();
        points[TensorIndex.Colon, 1] = tensor(7.0);
        using var p = new ChannelStandardization(data.Dim, channels: 3);
        var error = Assert.Throws<ArgumentException>(() => p.Fit(new PointCloud(points.flatten(1))));
        Assert.Contains("channel 1 is constant", error.Message);
    }

    [Fact]
    public void ChannelsThatDoNotDivideTheDimensionAreRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelStandardization(48, channels: 5));
        Assert.Contains("do not divide the dimension 48", error.Message);
    }

    [Fact]
    public void AfterAnEarlyStoppedFlowItPutsTheEndPointOnTheMainFlowsBaseScale()
    {
        // flow+standardize: whatever scale the flow leaves, the chain's output has unit scale per channel.
        var data = ThreeChannelImages(600);
        var flow = new FlowPreconditioner(data.Dim, PreconditionerCases.QuickFlow with { Steps = 5 });
        using var chain = new PreconditionerChain(flow, new ChannelStandardization(data.Dim, channels: 3));
        Assert.True(chain.Fit(data, seed: 1).Passed);
        var z = chain.Transform(data.Points).view(data.Count, 3, 16);
        var sd = (z - z.mean([0, 2], keepdim: true)).square().mean([0, 2]).sqrt().data<double>().ToArray();
        Assert.All(sd, s => Assert.InRange(s, 1 - 1e-9, 1 + 1e-9));
        var back = chain.Inverse(chain.Transform(data.Points));
        Assert.True(PreconditionerCases.RelativeError(back, data.Points) < FlowPreconditioner.RoundTripThreshold);
    }

    [Fact]
    public void ItIsBuiltFromItsNameWithTheImageChannels()
    {
        using var p = PreconditionerFactory.Create("flow+standardize", 48, 0, new PreconditionerSettings(Channels: 3));
        var chain = Assert.IsType<PreconditionerChain>(p);
        var standardization = Assert.IsType<ChannelStandardization>(chain.Members[1]);
        Assert.Equal(3, standardization.Channels);
    }
}
