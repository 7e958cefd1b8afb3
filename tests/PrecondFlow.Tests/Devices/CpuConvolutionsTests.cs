using PrecondFlow.Devices;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Devices;

/// <summary>
/// A convolution's input gradient is the transposed convolution of the output gradient, on any number of threads and
/// every time. libtorch's oneDNN backward kernels broke this (wrong or NaN in over half of 40 repeats on two threads),
/// so PrecondFlow back-propagates with them switched off.
/// </summary>
public sealed class CpuConvolutionsTests : IDisposable
{
    private readonly int threads = get_num_threads();

    public void Dispose() => set_num_threads(threads);

    [Fact]
    public void TheOneDnnSwitchIsReachableOnLinux()
    {
        if (OperatingSystem.IsLinux())
            Assert.True(CpuConvolutions.CanSwitchOneDnn);
    }

    [Theory]
    [InlineData(1, 2, 2)]
    [InlineData(2, 2, 2)]
    [InlineData(2, 16, 1)]
    public void InputGradientsEqualTheTransposedConvolutionInEveryRepeat(int threadCount, int inChannels, int outChannels)
    {
        set_num_threads(threadCount);
        using var generator = new Generator(3);
        using var x = rand(new long[] { 32, inChannels, 28, 28 }, generator: generator);
        using var weight = rand(new long[] { outChannels, inChannels, 3, 3 }, generator: generator) - 0.5;
        using var outputGradient = rand(new long[] { 32, outChannels, 28, 28 }, generator: generator);
        // The reference runs in float64, which oneDNN does not implement (its transposed convolution runs the same
        // faulty kernels as the backward pass).
        using var expected = nn.functional.conv_transpose2d(outputGradient.to(ScalarType.Float64), weight.to(ScalarType.Float64),
            padding: new long[] { 1, 1 });
        double scale = expected.abs().max().item<double>();
        for (int repeat = 0; repeat < 20; repeat++)
        {
            using var scope = NewDisposeScope();
            var input = x.clone().requires_grad_(true);
            var loss = (nn.functional.conv2d(input, weight, padding: new long[] { 1, 1 }) * outputGradient).sum();
            CpuConvolutions.Backward(loss);
            // float32 sums of a few hundred products against float64: a relative 1e-5 is a hundred times their rounding, far below the errors (0.1–0.3 relative, or NaN) of the broken kernels.
            double error = (input.grad!.to(ScalarType.Float64) - expected).abs().max().item<double>() / scale;
            Assert.True(error < 1e-5, $"repeat {repeat} on {threadCount} threads: relative error {error}");
        }
    }

    [Fact]
    public void OneDnnIsOnAgainAfterTheBackwardPass()
    {
        // Forward passes keep oneDNN (exact there, and several times faster): a forward after Backward gives the same
        // bits as one before it.
        using var generator = new Generator(5);
        using var x = rand(new long[] { 16, 4, 14, 14 }, generator: generator);
        using var weight = rand(new long[] { 4, 4, 3, 3 }, generator: generator).requires_grad_(true);
        using var before = nn.functional.conv2d(x, weight, padding: new long[] { 1, 1 }).detach();
        using (var scope = NewDisposeScope())
            CpuConvolutions.Backward(nn.functional.conv2d(x, weight, padding: new long[] { 1, 1 }).sum());
        using var after = nn.functional.conv2d(x, weight, padding: new long[] { 1, 1 }).detach();
        Assert.Equal(before.data<float>().ToArray(), after.data<float>().ToArray());
    }
}
