using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Devices;

/// <summary>
/// Whether libtorch's oneDNN forward kernel computes a given CPU convolution correctly. In the libtorch that TorchSharp
/// 0.107 ships, on an AVX2 CPU, a float32 3×3 convolution with more than 16 input channels that are not a multiple of 16
/// (17–31, 33–47, 49–63, …) came out wrong by 20–40 % of its largest value, with one thread or two, at 4×4 and 8×8;
/// 1×1 convolutions, 16 or fewer input channels and multiples of 16 came out exact. Which shapes fail depends on the
/// CPU's kernels, so each shape is checked here on the machine itself, once: a small random input (4 images of 8×8) is
/// convolved in float32 through oneDNN and in float64 through libtorch's own kernels, which oneDNN does not handle.
/// </summary>
public static class OneDnnForwardCheck
{
    /// <summary>A relative error far above float32 rounding of a convolution (~1e-7 · √taps) and far below the failures.</summary>
    private const double Tolerance = 1e-4;
    private const int ProbeImages = 4;
    private const int ProbeSide = 8;

    private static readonly OneDnnVerdicts verdicts = new(Probe);

    /// <summary>
    /// True when oneDNN's forward pass of convolutions shaped like <paramref name="convolution"/> matches libtorch's own
    /// kernels, or when there is no oneDNN switch to act on; false when it does not, or when it cannot be told now
    /// (oneDNN is switched off, e.g. by another thread's backward pass), in which case the answer is not remembered.
    /// </summary>
    public static bool IsExact(Convolution convolution)
    {
        ArgumentNullException.ThrowIfNull(convolution);
        return ConvolutionShape.Of(convolution) is not { } shape || IsExact(shape);
    }

    /// <summary>As <see cref="IsExact(Convolution)"/>, for a convolution shape as run.</summary>
    public static bool IsExact(ConvolutionShape shape)
    {
        if (!CpuConvolutions.CanSwitchOneDnn)
            return true;
        return verdicts.IsExact(shape);
    }

    /// <summary>
    /// A handle that keeps oneDNN off (<see cref="CpuConvolutions.WithoutOneDnn"/>) while a network runs
    /// <paramref name="input"/> through <paramref name="convolutions"/> on the CPU, when oneDNN gets any of their shapes
    /// wrong; null (nothing to release) when it gets them all right or the input is not on the CPU.
    /// </summary>
    /// <param name="convolutions">The network's convolutions.</param>
    /// <param name="input">The network's input.</param>
    public static IDisposable? NativeWhereNeeded(IReadOnlyList<Convolution> convolutions, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(convolutions);
        ArgumentNullException.ThrowIfNull(input);
        return input.device_type == DeviceType.CPU && !convolutions.All(IsExact) ? CpuConvolutions.WithoutOneDnn() : null;
    }

    /// <summary>As <see cref="NativeWhereNeeded(IReadOnlyList{Convolution}, Tensor)"/>, for convolution shapes as run.</summary>
    /// <param name="shapes">The shapes of the network's convolutions as its forward pass runs them.</param>
    /// <param name="input">The network's input.</param>
    public static IDisposable? NativeWhereNeeded(IReadOnlyList<ConvolutionShape> shapes, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentNullException.ThrowIfNull(input);
        return input.device_type == DeviceType.CPU && !shapes.All(IsExact) ? CpuConvolutions.WithoutOneDnn() : null;
    }

    private static bool Probe(ConvolutionShape shape)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(17);
        long side = shape.ProbeSide(ProbeSide);
        var input = randn(new long[] { ProbeImages, shape.InChannels, side, side }, generator: generator);
        var weight = randn(shape.WeightShape, generator: generator);
        var bias = randn(new long[] { shape.OutChannels }, generator: generator);
        var fast = nn.functional.conv2d(input, weight, bias, shape.Stride, shape.Padding, shape.Dilation, shape.Groups);
        var exact = nn.functional.conv2d(input.to(float64), weight.to(float64), bias.to(float64), shape.Stride, shape.Padding,
            shape.Dilation, shape.Groups);
        double error = (fast.to(float64) - exact).abs().max().item<double>();
        double scale = exact.abs().max().item<double>();
        return error <= Tolerance * Math.Max(scale, 1e-12);
    }
}
