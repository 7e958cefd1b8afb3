using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>Blocks applied one after another, each seeing the time (+ label) embedding: one step of the UNet between
/// two skip connections.</summary>
internal sealed class UNetStage : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor, Tensor>> blocks;

    public UNetStage(params nn.Module<Tensor, Tensor, Tensor>[] blocks) : base(nameof(UNetStage))
    {
        this.blocks = nn.ModuleList(blocks);
        RegisterComponents();
    }

    /// <param name="x">(batch, channels, height, width).</param>
    /// <param name="e">(batch, embedding width).</param>
    public override Tensor forward(Tensor x, Tensor e)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var block in blocks)
            h = block.call(h, e);
        return h.MoveToOuterDisposeScope();
    }
}
