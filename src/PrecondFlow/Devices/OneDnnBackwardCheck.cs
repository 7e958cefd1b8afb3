using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Devices;

/// <summary>
/// Whether libtorch's oneDNN back-propagates a given CPU convolution exactly, so that a network made only of such
/// convolutions may keep oneDNN on for its backward pass (<see cref="Training.TrainingLoop.BackwardOnOneDnn"/>), about
/// four times faster than libtorch's own kernels for the default UNet. Measured in the libtorch that TorchSharp 0.107
/// ships, on an AVX-512 CPU, 40 repeats per shape: the input gradient was wrong (by 20–40 % of its largest value, or NaN)
/// in 15–40 of 40 whenever the convolution had 1, 2, 8 or 24 output channels, and exact every time with 16, 32, 64 or 128,
/// whatever the input channels (1, 2, 3, 4, 24, 64, 128, 256); the weight gradient was exact throughout. On an AVX2 CPU
/// the forward pass failed likewise for partial blocks of input channels (<see cref="OneDnnForwardCheck"/>). So a shape
/// counts as exact only when (1) its output channels fill whole blocks of 16, the layout in which every failure above
/// was absent, and (2) on this machine, <see cref="ProbeRepeats"/> backward passes of a small random batch through oneDNN
/// give the input and weight gradients of libtorch's own float64 kernels within <see cref="Tolerance"/>. The failures
/// came and went between repeats (uninitialised padding lanes, most likely), which is why the rule comes first and the
/// probe repeats: a shape that failed at the measured rates would pass all repeats by chance with a probability below
/// 10⁻⁵.
/// </summary>
public static class OneDnnBackwardCheck
{
    /// <summary>A relative error far above float32 rounding of the probe's sums (a few hundred products) and far below
    /// the failures.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Backward passes per probed shape, each on fresh tensors.</summary>
    public const int ProbeRepeats = 8;

    private const int ProbeImages = 8;
    private const int ProbeSide = 8;

    private static readonly OneDnnVerdicts verdicts = new(Probe);

    /// <summary>
    /// True when oneDNN back-propagates convolutions of <paramref name="shape"/> exactly on this machine (see the class
    /// remarks); false when it does not, when the shape breaks the rule, when oneDNN cannot be switched, or when it cannot
    /// be told now (oneDNN is off, e.g. during another thread's backward pass), in which case the answer is not remembered.
    /// </summary>
    public static bool IsExact(ConvolutionShape shape)
    {
        if (!CpuConvolutions.CanSwitchOneDnn || shape.OutChannels % ChannelPaddedConvolution.OutputChannelBlock != 0 || shape.Groups != 1)
            return false;
        return verdicts.IsExact(shape);
    }

    /// <summary>
    /// True when every convolution <paramref name="network"/> runs is back-propagated exactly by oneDNN (the shapes of
    /// <see cref="IRunsConvolutionShapes"/> when the network gives them, else those of its convolution modules), or when
    /// it has none; false when one is not, or is not a plain 2-D convolution.
    /// </summary>
    public static bool IsExact(nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is IRunsConvolutionShapes runs)
            return runs.ConvolutionShapesRun.All(IsExact);
        foreach (var convolution in network.modules().OfType<Convolution>())
            if (ConvolutionShape.Of(convolution) is not { } shape || !IsExact(shape))
                return false;
        return true;
    }

    private static bool Probe(ConvolutionShape shape)
    {
        using var generator = new Generator(23);
        long side = shape.ProbeSide(ProbeSide);
        using var input = randn(new long[] { ProbeImages, shape.InChannels, side, side }, generator: generator);
        using var weight = randn(shape.WeightShape, generator: generator);
        using var probeOutput = nn.functional.conv2d(input, weight, null, shape.Stride, shape.Padding, shape.Dilation);
        using var outputGradient = randn(probeOutput.shape, generator: generator);
        var (expectedInput, expectedWeight) = Gradients(shape, input.to(float64), weight.to(float64), outputGradient.to(float64));
        using (expectedInput)
        using (expectedWeight)
        {
            for (int repeat = 0; repeat < ProbeRepeats; repeat++)
            {
                var (inputGradient, weightGradient) = Gradients(shape, input, weight, outputGradient);
                using (inputGradient)
                using (weightGradient)
                {
                    if (!(RelativeError(inputGradient, expectedInput) <= Tolerance) || !(RelativeError(weightGradient, expectedWeight) <= Tolerance))
                        return false;
                }
            }
        }
        return true;
    }

    /// <summary>The input and weight gradients of Σ conv(input, weight) ⊙ outputGradient, by autograd, with oneDNN as it
    /// is now (float64 never runs on oneDNN).</summary>
    private static (Tensor Input, Tensor Weight) Gradients(ConvolutionShape shape, Tensor input, Tensor weight, Tensor outputGradient)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var x = input.detach().clone().requires_grad_(true);
        var w = weight.detach().clone().requires_grad_(true);
        (nn.functional.conv2d(x, w, null, shape.Stride, shape.Padding, shape.Dilation) * outputGradient).sum().backward();
        return (x.grad!.to(float64).MoveToOuterDisposeScope(), w.grad!.to(float64).MoveToOuterDisposeScope());
    }

    private static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return (actual - expected).abs().max().item<double>() / Math.Max(expected.abs().max().item<double>(), 1e-12);
    }
}
