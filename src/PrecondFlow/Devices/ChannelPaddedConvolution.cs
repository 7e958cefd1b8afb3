using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Devices;

/// <summary>
/// Runs a convolution with few output channels (a network's last layer: 1 to 4 image channels) as one with
/// <see cref="OutputChannelBlock"/> of them on the CPU, the extra channels from zero weights and cut off again. oneDNN's
/// backward pass reads the output gradient in blocks of 16 channels and gets a partial block wrong (see
/// <see cref="OneDnnBackwardCheck"/>); padded, the last layer no longer keeps the whole network's back-propagation off
/// oneDNN. The output is the same convolution: the real channels' sums are unchanged, and the zero channels get no
/// gradient into the weights. On other devices it is the module's own call.
/// </summary>
public static class ChannelPaddedConvolution
{
    /// <summary>The channel block of oneDNN's CPU kernels that a padded convolution's output fills.</summary>
    public const long OutputChannelBlock = 16;

    /// <summary>The output channels as run on the CPU: rounded up to a multiple of <see cref="OutputChannelBlock"/>.</summary>
    public static long PaddedChannels(long channels) => (channels + OutputChannelBlock - 1) / OutputChannelBlock * OutputChannelBlock;

    /// <summary>The shape that <see cref="Forward"/> runs for <paramref name="convolution"/> on the CPU.</summary>
    public static ConvolutionShape? ShapeRun(Conv2d convolution) =>
        ConvolutionShape.Of(convolution) is { } shape && shape.Groups == 1
            ? shape with { OutChannels = PaddedChannels(shape.OutChannels) }
            : ConvolutionShape.Of(convolution);

    /// <summary><paramref name="convolution"/> applied to <paramref name="input"/>, padded to whole channel blocks on the CPU.</summary>
    /// <param name="convolution">A 2-D convolution with one group.</param>
    /// <param name="input">(batch, in channels, height, width).</param>
    public static Tensor Forward(Conv2d convolution, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(convolution);
        ArgumentNullException.ThrowIfNull(input);
        long channels = convolution.out_channels;
        long padded = PaddedChannels(channels);
        if (input.device_type != DeviceType.CPU || padded == channels || convolution.groups != 1 || ConvolutionShape.Of(convolution) is not { } shape)
            return convolution.call(input);
        using var scope = NewDisposeScope();
        var weight = convolution.weight!;
        var paddedWeight = cat(new[] { weight, zeros(new[] { padded - channels, weight.shape[1], weight.shape[2], weight.shape[3] }, weight.dtype, weight.device) });
        var paddedBias = convolution.bias is { } bias ? cat(new[] { bias, zeros(padded - channels, bias.dtype, bias.device) }) : null;
        var output = nn.functional.conv2d(input, paddedWeight, paddedBias, shape.Stride, shape.Padding, shape.Dilation);
        return output.narrow(1, 0, channels).MoveToOuterDisposeScope();
    }
}
