using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// The UNet's residual block: h = conv(SiLU(GroupNorm(x))); the embedding e of time (and label) enters by scale and
/// shift (FiLM), h ← GroupNorm(h)·(1 + scale) + shift with (scale, shift) = Linear(SiLU(e)); then SiLU, dropout and a
/// second 3×3 convolution; the output is skip(x) + h, the skip being a 1×1 convolution when the channels change.
/// </summary>
internal sealed class UNetResidualBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly Linear embedding;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly Conv2d? skip;
    private readonly double dropout;
    private readonly UNetDrawSource draws;

    /// <param name="inputs">Channels of x.</param>
    /// <param name="outputs">Channels of the output.</param>
    /// <param name="embeddingWidth">Width of the time (+ label) embedding.</param>
    /// <param name="groups">GroupNorm groups; divides both channel counts.</param>
    /// <param name="dropout">Dropout probability in training mode.</param>
    /// <param name="draws">Where the dropout masks are drawn from (shared by the whole network).</param>
    public UNetResidualBlock(int inputs, int outputs, int embeddingWidth, int groups, double dropout, UNetDrawSource draws)
        : base(nameof(UNetResidualBlock))
    {
        norm1 = nn.GroupNorm(groups, inputs);
        conv1 = nn.Conv2d(inputs, outputs, 3, padding: 1);
        embedding = nn.Linear(embeddingWidth, 2 * outputs);
        norm2 = nn.GroupNorm(groups, outputs);
        conv2 = nn.Conv2d(outputs, outputs, 3, padding: 1);
        if (inputs != outputs)
            skip = nn.Conv2d(inputs, outputs, 1);
        this.dropout = dropout;
        this.draws = draws;
        RegisterComponents();
    }

    /// <param name="x">(batch, inputs, height, width).</param>
    /// <param name="e">(batch, embeddingWidth) time (+ label) embedding.</param>
    /// <returns>(batch, outputs, height, width).</returns>
    public override Tensor forward(Tensor x, Tensor e)
    {
        using var scope = NewDisposeScope();
        var h = conv1.call(nn.functional.silu(norm1.call(x)));
        var film = embedding.call(nn.functional.silu(e)).unsqueeze(-1).unsqueeze(-1).chunk(2, dim: 1);
        h = norm2.call(h) * (1 + film[0]) + film[1];
        h = draws.Dropout(nn.functional.silu(h), dropout, training);
        h = conv2.call(h);
        return ((skip?.call(x) ?? x) + h).MoveToOuterDisposeScope();
    }
}
