using TorchSharp.Modules;

namespace PrecondFlow.Devices;

/// <summary>
/// The shape of a 2-D convolution as libtorch runs it: channels, kernel, stride, padding, dilation and groups (the
/// batch and image size left out). oneDNN's kernels are right or wrong per shape, so the checks of
/// <see cref="OneDnnForwardCheck"/> and <see cref="OneDnnBackwardCheck"/> are kept per shape.
/// </summary>
/// <param name="InChannels">Input channels.</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Groups">Groups.</param>
/// <param name="KernelHeight">Kernel height.</param>
/// <param name="KernelWidth">Kernel width.</param>
/// <param name="StrideHeight">Vertical stride.</param>
/// <param name="StrideWidth">Horizontal stride.</param>
/// <param name="PaddingHeight">Rows of zeros above and below.</param>
/// <param name="PaddingWidth">Columns of zeros left and right.</param>
/// <param name="DilationHeight">Vertical dilation.</param>
/// <param name="DilationWidth">Horizontal dilation.</param>
public readonly record struct ConvolutionShape(long InChannels, long OutChannels, long Groups, long KernelHeight, long KernelWidth,
    long StrideHeight, long StrideWidth, long PaddingHeight, long PaddingWidth, long DilationHeight, long DilationWidth)
{
    /// <summary>The shape of a 2-D, not transposed convolution module with explicit zero padding; null for any other
    /// (1-D, 3-D, transposed, padding given as "same" or "valid", or padded other than with zeros).</summary>
    public static ConvolutionShape? Of(Convolution convolution)
    {
        ArgumentNullException.ThrowIfNull(convolution);
        if (convolution.transposed || convolution.kernel_size.Length != 2 || convolution.padding is not { Length: 2 } padding
            || convolution.padding_mode != TorchSharp.PaddingModes.Zeros)
            return null;
        var (kernel, stride, dilation) = (convolution.kernel_size, convolution.stride, convolution.dilation);
        return new ConvolutionShape(convolution.in_channels, convolution.out_channels, convolution.groups, kernel[0], kernel[1],
            stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
    }

    /// <summary>The padding as libtorch takes it.</summary>
    public long[] Padding => [PaddingHeight, PaddingWidth];

    /// <summary>The stride as libtorch takes it.</summary>
    public long[] Stride => [StrideHeight, StrideWidth];

    /// <summary>The dilation as libtorch takes it.</summary>
    public long[] Dilation => [DilationHeight, DilationWidth];

    /// <summary>The weight's shape: (out, in / groups, kernel height, kernel width).</summary>
    public long[] WeightShape => [OutChannels, InChannels / Groups, KernelHeight, KernelWidth];

    /// <summary>The smallest square image side that the kernel fits in with a few output positions to spare.</summary>
    internal long ProbeSide(long atLeast) =>
        Math.Max(atLeast, Math.Max((KernelHeight - 1) * DilationHeight, (KernelWidth - 1) * DilationWidth) + 4);
}

/// <summary>The convolution shapes a network actually runs, where they differ from its modules' (see
/// <see cref="ChannelPaddedConvolution"/>); <see cref="OneDnnBackwardCheck.IsExact(TorchSharp.torch.nn.Module)"/>
/// asks a network for them.</summary>
public interface IRunsConvolutionShapes
{
    /// <summary>Every convolution shape the network's forward pass runs on the CPU.</summary>
    IReadOnlyList<ConvolutionShape> ConvolutionShapesRun { get; }
}
