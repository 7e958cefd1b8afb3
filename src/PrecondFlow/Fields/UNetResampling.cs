using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>Halves height and width with a 3×3 convolution of stride 2 (padding 1).</summary>
internal sealed class UNetDownsample : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Conv2d conv;

    public UNetDownsample(int channels) : base(nameof(UNetDownsample))
    {
        conv = nn.Conv2d(channels, channels, 3, stride: 2, padding: 1);
        RegisterComponents();
    }

    /// <param name="x">(batch, channels, height, width), height and width even.</param>
    /// <param name="e">Unused.</param>
    /// <returns>(batch, channels, height / 2, width / 2).</returns>
    public override Tensor forward(Tensor x, Tensor e) => conv.call(x);
}

/// <summary>Doubles height and width by nearest-neighbour repetition, then a 3×3 convolution (padding 1).</summary>
internal sealed class UNetUpsample : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Conv2d conv;

    public UNetUpsample(int channels) : base(nameof(UNetUpsample))
    {
        conv = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <param name="x">(batch, channels, height, width).</param>
    /// <param name="e">Unused.</param>
    /// <returns>(batch, channels, 2·height, 2·width).</returns>
    public override Tensor forward(Tensor x, Tensor e)
    {
        using var scope = NewDisposeScope();
        var doubled = x.repeat_interleave(2, dim: 2).repeat_interleave(2, dim: 3);
        return conv.call(doubled).MoveToOuterDisposeScope();
    }
}
