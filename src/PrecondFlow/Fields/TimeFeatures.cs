using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>Encodes times (batch, 1) as network inputs.</summary>
public static class TimeFeatures
{
    /// <summary>Number of input features produced by <paramref name="encoding"/>.</summary>
    public static int Width(TimeEncoding encoding, int sinusoidalFeatures) =>
        encoding == TimeEncoding.Raw ? 1 : sinusoidalFeatures;

    /// <summary>
    /// (batch, 1) times → (batch, width). The sinusoidal encoding uses frequencies 2π·k for
    /// k geometrically spaced from 1 to 1000, so that both slow and fast variation over t ∈ [0, 1] is easy to fit.
    /// </summary>
    public static Tensor Encode(Tensor t, TimeEncoding encoding, int sinusoidalFeatures)
    {
        if (encoding == TimeEncoding.Raw)
            return t;
        var angles = t * Frequencies(sinusoidalFeatures, t.dtype, t.device).unsqueeze(0);
        return cat(new[] { angles.sin(), angles.cos() }, dim: 1);
    }

    /// <summary>The (features / 2) angular frequencies 2π·1000^(k / (features/2 − 1)) of the sinusoidal encoding, computed
    /// in <paramref name="dtype"/> exactly as <see cref="Encode"/> uses them (an exported graph embeds these values).</summary>
    public static Tensor Frequencies(int sinusoidalFeatures, ScalarType dtype, Device? device = null)
    {
        int half = sinusoidalFeatures / 2;
        using var scope = NewDisposeScope();
        var exponents = arange(half, dtype: dtype, device: device) / Math.Max(1, half - 1);
        return (2 * Math.PI * pow(1000.0, exponents)).MoveToOuterDisposeScope();
    }
}
