using PrecondFlow.Devices;
using PrecondFlow.Fields;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Devices;

/// <summary>
/// oneDNN back-propagates some convolution shapes wrongly (input gradients off by 20–40 %, or NaN, on a partial block of
/// output channels). The check trusts a shape only when its output channels fill whole blocks of 16 and repeated
/// backward passes on the machine match float64; a network may keep oneDNN on for its backward pass only when every
/// convolution it runs is trusted. float64 is the reference throughout: oneDNN never takes it.
/// </summary>
public sealed class OneDnnBackwardCheckTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>float32 sums of up to a few thousand products: rounding near 1e-6 of the largest gradient; the failures
    /// reach 0.2 or NaN.</summary>
    private const double RelativeTolerance = 1e-4;

    private readonly int threads = get_num_threads();

    public void Dispose() => set_num_threads(threads);

    private static ConvolutionShape Shape(long inputs, long outputs, long kernel = 3, long stride = 1) =>
        new(inputs, outputs, 1, kernel, kernel, stride, stride, kernel / 2, kernel / 2, 1, 1);

    [Theory]
    [InlineData(64, 8)]
    [InlineData(16, 1)]
    [InlineData(24, 24)]
    [InlineData(2, 2)]
    public void AShapeWithAPartialBlockOfOutputChannelsIsNeverTrusted(int inputs, int outputs)
    {
        Assert.False(OneDnnBackwardCheck.IsExact(Shape(inputs, outputs)));
    }

    [Theory]
    [InlineData(64, 64, 3, 1, 2)]
    [InlineData(128, 128, 3, 2, 2)]
    [InlineData(192, 128, 3, 1, 2)]
    [InlineData(64, 16, 3, 1, 2)]
    [InlineData(1, 64, 3, 1, 1)]
    [InlineData(64, 192, 1, 1, 2)]
    public void WhereTheCheckTrustsOneDnnEveryRepeatOfABackwardPassIsExact(int inputs, int outputs, int kernel, int stride, int threadCount)
    {
        set_num_threads(threadCount);
        var shape = Shape(inputs, outputs, kernel, stride);
        bool trusted = OneDnnBackwardCheck.IsExact(shape);
        output.WriteLine($"{inputs}→{outputs}, {kernel}×{kernel}, stride {stride}, {threadCount} threads: {(trusted ? "trusted" : "not trusted")}");
        if (!trusted)
            return;   // libtorch's own kernels run instead: nothing of oneDNN's to hold to account
        using var generator = new Generator(11);
        using var x = randn(new long[] { 32, inputs, 14, 14 }, generator: generator);
        using var weight = randn(shape.WeightShape, generator: generator);
        using var probe = nn.functional.conv2d(x, weight, null, shape.Stride, shape.Padding);
        using var outputGradient = randn(probe.shape, generator: generator);
        var (expectedInput, expectedWeight) = Gradients(x.to(float64), weight.to(float64), outputGradient.to(float64), shape);
        for (int repeat = 0; repeat < 10; repeat++)
        {
            var (input, weights) = Gradients(x, weight, outputGradient, shape);
            Assert.True(RelativeError(input, expectedInput) <= RelativeTolerance, $"repeat {repeat}: input gradient off by {RelativeError(input, expectedInput):G3}");
            Assert.True(RelativeError(weights, expectedWeight) <= RelativeTolerance, $"repeat {repeat}: weight gradient off by {RelativeError(weights, expectedWeight):G3}");
        }
    }

    [Fact]
    public void ANetworkIsTrustedOnlyWhenEveryConvolutionItRunsIs()
    {
        using var mlp = nn.Sequential(nn.Linear(4, 32), nn.SiLU(), nn.Linear(32, 4));
        Assert.True(OneDnnBackwardCheck.IsExact(mlp));
        using var narrowOutput = nn.Sequential(nn.Conv2d(1, 32, 3, padding: 1), nn.SiLU(), nn.Conv2d(32, 8, 3, padding: 1));
        Assert.False(OneDnnBackwardCheck.IsExact(narrowOutput));
        using var transposed = nn.Sequential(nn.ConvTranspose2d(32, 32, 3));
        Assert.False(OneDnnBackwardCheck.IsExact(transposed));
    }

    [Fact]
    public void AUNetWithSixteenChannelMultiplesRunsOnlyWholeBlocksOfOutputChannels()
    {
        using var generator = new Generator(3);
        using var field = (UNetVectorField)VectorFields.Create(Fields.UNetVectorFieldTests.Tiny, generator);
        Assert.All(field.ConvolutionShapesRun, shape => Assert.Equal(0, shape.OutChannels % ChannelPaddedConvolution.OutputChannelBlock));
        Assert.Contains(field.ConvolutionShapesRun, shape => shape is { InChannels: 16, OutChannels: 16, KernelHeight: 3 });
    }

    private static (Tensor Input, Tensor Weight) Gradients(Tensor x, Tensor weight, Tensor outputGradient, ConvolutionShape shape)
    {
        using var scope = NewDisposeScope();
        var input = x.detach().clone().requires_grad_(true);
        var w = weight.detach().clone().requires_grad_(true);
        (nn.functional.conv2d(input, w, null, shape.Stride, shape.Padding) * outputGradient).sum().backward();
        return (input.grad!.to(float64).MoveToOuterDisposeScope(), w.grad!.to(float64).MoveToOuterDisposeScope());
    }

    private static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return (actual - expected).abs().max().item<double>() / expected.abs().max().item<double>();
    }
}
