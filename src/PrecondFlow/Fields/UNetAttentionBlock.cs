using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// Multi-head self-attention over the pixels of a feature map, with a residual connection:
/// x + proj(attention(qkv(GroupNorm(x)))), q, k, v and proj being 1×1 convolutions; each head attends with
/// softmax(qᵀk / √d) over all H·W positions, d = channels / heads.
/// </summary>
internal sealed class UNetAttentionBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Conv2d qkv;
    private readonly Conv2d projection;
    private readonly int heads;

    /// <param name="channels">Channels of the feature map; divisible by <paramref name="heads"/> and <paramref name="groups"/>.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="groups">GroupNorm groups.</param>
    public UNetAttentionBlock(int channels, int heads, int groups) : base(nameof(UNetAttentionBlock))
    {
        norm = nn.GroupNorm(groups, channels);
        qkv = nn.Conv2d(channels, 3 * channels, 1);
        projection = nn.Conv2d(channels, channels, 1);
        this.heads = heads;
        RegisterComponents();
    }

    /// <param name="x">(batch, channels, height, width).</param>
    /// <param name="e">Unused: attention does not see the time embedding.</param>
    /// <returns>The shape of <paramref name="x"/>.</returns>
    public override Tensor forward(Tensor x, Tensor e)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], channels = x.shape[1], height = x.shape[2], width = x.shape[3];
        long d = channels / heads;
        // (batch, 3, heads, d, positions): q, k and v of each head.
        var parts = qkv.call(norm.call(x)).reshape(batch, 3, heads, d, height * width);
        var (q, k, v) = (parts.select(1, 0), parts.select(1, 1), parts.select(1, 2));
        var weights = (q.transpose(-1, -2).matmul(k) * (1.0 / Math.Sqrt(d))).softmax(-1);   // (batch, heads, query, key)
        var attended = v.matmul(weights.transpose(-1, -2)).reshape(batch, channels, height, width);
        return (x + projection.call(attended)).MoveToOuterDisposeScope();
    }
}
