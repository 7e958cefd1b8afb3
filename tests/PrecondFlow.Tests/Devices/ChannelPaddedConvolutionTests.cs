using PrecondFlow.Devices;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Devices;

/// <summary>
/// A last layer with a few output channels runs padded to a block of 16 zero-weight channels on the CPU: the same
/// convolution, the same gradients, and a UNet built so trains on oneDNN with the gradients of libtorch's own kernels.
/// </summary>
public sealed class ChannelPaddedConvolutionTests
{
    /// <summary>float32 sums of a few hundred products (forward) to a few thousand (weight gradient) against float64.</summary>
    private const double RelativeTolerance = 1e-5;

    [Theory]
    [InlineData(1, 16)]
    [InlineData(4, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 32)]
    public void OutputChannelsAreRoundedUpToAWholeBlock(int channels, int padded)
    {
        Assert.Equal(padded, ChannelPaddedConvolution.PaddedChannels(channels));
        using var convolution = nn.Conv2d(64, channels, 3, padding: 1);
        Assert.Equal(padded, ChannelPaddedConvolution.ShapeRun(convolution)!.Value.OutChannels);
    }

    [Fact]
    public void ThePaddedConvolutionComputesTheConvolutionAndItsGradients()
    {
        using var generator = new Generator(7);
        using var convolution = nn.Conv2d(32, 3, 3, padding: 1);
        using var x = randn(new long[] { 6, 32, 10, 10 }, generator: generator);
        using var outputGradient = randn(new long[] { 6, 3, 10, 10 }, generator: generator);
        using var scope = NewDisposeScope();

        var input = x.clone().requires_grad_(true);
        var padded = ChannelPaddedConvolution.Forward(convolution, input);
        Assert.Equal(new long[] { 6, 3, 10, 10 }, padded.shape);
        (padded * outputGradient).sum().backward();

        var input64 = x.to(float64).requires_grad_(true);
        var weight64 = convolution.weight!.detach().to(float64).requires_grad_(true);
        var bias64 = convolution.bias!.detach().to(float64).requires_grad_(true);
        var expected = nn.functional.conv2d(input64, weight64, bias64, padding: [1, 1]);
        using (CpuConvolutions.WithoutOneDnn())
            (expected * outputGradient.to(float64)).sum().backward();

        Assert.True(RelativeError(padded, expected) <= RelativeTolerance);
        Assert.True(RelativeError(input.grad!, input64.grad!) <= RelativeTolerance);
        Assert.True(RelativeError(convolution.weight!.grad!, weight64.grad!) <= RelativeTolerance);
        Assert.True(RelativeError(convolution.bias!.grad!, bias64.grad!) <= RelativeTolerance);
    }

    [Fact]
    public void AUNetBackPropagatesOnOneDnnToTheGradientsOfLibtorchsOwnKernels()
    {
        var config = UNetVectorFieldTestsConfig();
        using var generator = new Generator(5);
        using var field = VectorFields.Create(config, generator);
        Assert.True(OneDnnBackwardCheck.IsExact(field) || !CpuConvolutions.CanSwitchOneDnn,
            "every convolution of a UNet with 16-channel multiples should be trusted where oneDNN can be switched");
        using var x = randn(new long[] { 16, config.Dim }, generator: generator);
        using var t = rand(new long[] { 16, 1 }, generator: generator);
        using var labels = randint(3, new long[] { 16 }, generator: generator);

        var onOneDnn = Gradients(field, x, t, labels, oneDnn: true);
        var exact = Gradients(field, x, t, labels, oneDnn: false);
        for (int i = 0; i < exact.Length; i++)
            Assert.True(RelativeError(onOneDnn[i], exact[i]) <= 1e-4, $"parameter {i}: off by {RelativeError(onOneDnn[i], exact[i]):G3}");
    }

    private static FieldConfig UNetVectorFieldTestsConfig() => Fields.UNetVectorFieldTests.Tiny with { Dropout = 0 };

    private static Tensor[] Gradients(nn.Module<Tensor, Tensor, Tensor?, Tensor> field, Tensor x, Tensor t, Tensor labels, bool oneDnn)
    {
        field.zero_grad();
        using (var scope = NewDisposeScope())
        {
            var loss = field.call(x, t, labels).square().mean();
            if (oneDnn)
                loss.backward();
            else
                CpuConvolutions.Backward(loss);
        }
        return field.parameters().Select(p => p.grad!.detach().clone()).ToArray();
    }

    private static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var e = expected.to(float64);
        return (actual.to(float64) - e).abs().max().item<double>() / Math.Max(e.abs().max().item<double>(), 1e-30);
    }
}
