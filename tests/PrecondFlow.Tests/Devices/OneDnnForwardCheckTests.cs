using PrecondFlow.Devices;
using PrecondFlow.Fields;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Devices;

/// <summary>
/// oneDNN's float32 forward convolution is wrong for some shapes on some CPUs (on an AVX2 machine: 3×3 kernels with more
/// than 16 input channels not a multiple of 16). The check tells those shapes apart on the machine at hand, and a UNet
/// whose shapes include one runs its forward pass on libtorch's own kernels. float64 is the reference throughout:
/// oneDNN does not take it, so it always runs on libtorch's kernels.
/// </summary>
public sealed class OneDnnForwardCheckTests(ITestOutputHelper output)
{
    /// <summary>float32 rounding of these convolutions stays near 1e-6 of the output's size; the failures reach 0.2.</summary>
    private const double RelativeTolerance = 1e-4;

    [Theory]
    [InlineData(24, 16, 3)]
    [InlineData(40, 32, 3)]
    [InlineData(16, 16, 3)]
    [InlineData(32, 8, 3)]
    [InlineData(24, 16, 1)]
    public void TheVerdictAgreesWithADirectComparisonAgainstFloat64(int inputs, int outputs, int kernel)
    {
        using var scope = NewDisposeScope();
        var convolution = nn.Conv2d(inputs, outputs, kernel, padding: kernel / 2);
        using var generator = new Generator(3);
        var images = randn(new long[] { 12, inputs, 8, 8 }, generator: generator);
        double error = RelativeError(convolution.forward(images),
            nn.functional.conv2d(images.to(float64), convolution.weight!.to(float64), convolution.bias!.to(float64), padding: [kernel / 2, kernel / 2]));
        bool verdict = OneDnnForwardCheck.IsExact(convolution);
        output.WriteLine($"{inputs}→{outputs}, {kernel}×{kernel}: oneDNN float32 off by {error:G3} of the largest output; verdict {(verdict ? "exact" : "wrong")}");
        Assert.Equal(error <= RelativeTolerance, verdict);
    }

    [Fact]
    public void AUNetWithTwentyFourChannelConvolutionsComputesWhatItsFloat64CopyComputes()
    {
        // Base 8 with multipliers 1,2: the way up concatenates 16 + 8 = 24 channels.
        var config = new FieldConfig(Kind: "unet", Dim: 64, ImageShape: [1, 8, 8], BaseChannels: 8, ChannelMultipliers: [1, 2],
            ResBlocks: 1, AttentionResolutions: [4], Heads: 2, Dropout: 0, NormGroups: 4);
        using var generator = new Generator(5);
        using var field = VectorFields.Create(config, generator);
        using var reference = VectorFields.Create(config);
        reference.load_state_dict(field.state_dict());
        reference.to(float64);
        field.eval();
        reference.eval();
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 12, 64 }, generator: generator);
        var t = rand(new long[] { 12, 1 }, generator: generator);
        double error = RelativeError(field.forward(x, t, null), reference.forward(x.to(float64), t.to(float64), null));
        output.WriteLine($"float32 UNet off its float64 copy by {error:G3} of the largest output");
        Assert.True(error <= RelativeTolerance, $"the float32 UNet is off by {error:G3} of the largest output");
    }

    private static double RelativeError(Tensor actual, Tensor expected) =>
        (actual.to(float64) - expected).abs().max().item<double>() / expected.abs().max().item<double>();
}
