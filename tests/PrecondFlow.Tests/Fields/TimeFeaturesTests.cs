using PrecondFlow.Fields;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Fields;

public class TimeFeaturesTests
{
    [Fact]
    public void RawTimeIsOneColumnPassedThroughUnchanged()
    {
        using var t = tensor(new[] { 0.0, 0.3, 1.0 }).reshape(3, 1);
        Assert.Equal(1, TimeFeatures.Width(TimeEncoding.Raw, sinusoidalFeatures: 16));
        using var encoded = TimeFeatures.Encode(t, TimeEncoding.Raw, 16);
        Assert.Equal([0.0, 0.3, 1.0], encoded.flatten().data<double>().ToArray());
    }

    [Fact]
    public void SinusoidalFeaturesAreSinesThenCosinesOfTwoPiTimesGeometricFrequencies()
    {
        // 8 features: 4 frequencies 2π·1000^(k/3) = 2π·{1, 10, 100, 1000}; columns sin(2π·10^k·t), then cos(2π·10^k·t).
        using var t = tensor(new[] { 0.0, 0.1, 0.37 }).reshape(3, 1);
        Assert.Equal(8, TimeFeatures.Width(TimeEncoding.Sinusoidal, 8));
        using var encoded = TimeFeatures.Encode(t, TimeEncoding.Sinusoidal, 8);
        Assert.Equal(new long[] { 3, 8 }, encoded.shape);
        var times = new[] { 0.0, 0.1, 0.37 };
        for (var row = 0; row < 3; row++)
            for (var k = 0; k < 4; k++)
            {
                var angle = 2 * Math.PI * Math.Pow(10, k) * times[row];
                // Angles up to 2π·1000·0.37 ≈ 2300: float64 rounding of the frequency (~1e-16 relative) moves them
                // by ~1e-12, so 1e-9 is a wide margin.
                Assert.Equal(Math.Sin(angle), encoded[row, k].item<double>(), 1e-9);
                Assert.Equal(Math.Cos(angle), encoded[row, k + 4].item<double>(), 1e-9);
            }
    }

    [Fact]
    public void TheEncodingKeepsTheTimesDtype()
    {
        using var t = full(2, 1, 0.5f);
        using var encoded = TimeFeatures.Encode(t, TimeEncoding.Sinusoidal, 4);
        Assert.Equal(ScalarType.Float32, encoded.dtype);
    }
}
