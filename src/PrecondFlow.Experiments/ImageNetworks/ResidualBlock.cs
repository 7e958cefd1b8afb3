using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// x + conv(SiLU(GroupNorm(conv(SiLU(GroupNorm(x)))))): a pre-activation residual block of 3×3 convolutions
/// that keeps the channel count and the resolution.
/// </summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;

    public ResidualBlock(int channels) : base(nameof(ResidualBlock))
    {
        norm1 = Normalization(channels);
        conv1 = nn.Conv2d(channels, channels, 3, padding: 1);
        norm2 = Normalization(channels);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>
    /// Group normalisation with up to 8 groups and the usual initial affine map (scale 1, shift 0). TorchSharp 0.107's
    /// GroupNorm leaves its weight and bias uninitialised (torch.empty), which gives zeros or NaNs at random.
    /// </summary>
    public static GroupNorm Normalization(int channels)
    {
        var norm = nn.GroupNorm(Groups(channels), channels);
        using (no_grad())
        {
            norm.weight.fill_(1.0);
            norm.bias!.zero_();
        }
        return norm;
    }

    /// <summary>Up to 8 groups, a divisor of <paramref name="channels"/>.</summary>
    private static int Groups(int channels)
    {
        int groups = Math.Min(8, channels);
        while (channels % groups != 0)
            groups--;
        return groups;
    }

    /// <param name="x">(n, channels, h, w).</param>
    /// <returns>(n, channels, h, w).</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.call(nn.functional.silu(norm1.call(x)));
        h = conv2.call(nn.functional.silu(norm2.call(h)));
        return (x + h).MoveToOuterDisposeScope();
    }
}
