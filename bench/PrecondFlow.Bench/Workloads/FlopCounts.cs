using TorchSharp;

namespace PrecondFlow.Bench.Workloads;

/// <summary>Operation counts for the physical-limit columns.</summary>
internal static class FlopCounts
{
    /// <summary>Multiply-adds of one forward pass per point through a network's weight matrices: the sum of the sizes of
    /// its 2-D parameters named "…weight" (biases and activations are O(width) and left out).</summary>
    public static long MatrixWeights(torch.nn.Module module) =>
        module.named_parameters().Where(p => p.name.EndsWith("weight", StringComparison.Ordinal) && p.parameter.dim() == 2)
            .Sum(p => p.parameter.numel());

    /// <summary>
    /// Multiply-adds of one UNet forward pass per image (<see cref="UNetVectorField"/>'s layout): every convolution
    /// (C_in·C_out·k²·H_out·W_out), the attention blocks' products (q·k and weights·v, 2·N²·C for N pixels) and the
    /// time embedding's linear layers. Normalisations, activations, biases and additions are O(C·N) and left out.
    /// </summary>
    public static long UNetMultiplyAdds(PrecondFlow.Fields.FieldConfig config)
    {
        var g = PrecondFlow.Fields.UNetGeometry.Of(config);
        long total = 0;
        long Conv(long inputs, long outputs, int kernel, long pixels) => inputs * outputs * kernel * kernel * pixels;
        long width = 4L * config.BaseChannels;
        total += config.TimeFeatures * width + width * width;
        long Residual(long inputs, long outputs, long pixels) =>
            Conv(inputs, outputs, 3, pixels) + width * 2 * outputs + Conv(outputs, outputs, 3, pixels) + (inputs != outputs ? Conv(inputs, outputs, 1, pixels) : 0);
        long Attention(long channels, long pixels) => Conv(channels, 3 * channels, 1, pixels) + 2 * pixels * pixels * channels + Conv(channels, channels, 1, pixels);
        long Pixels(int level) => (long)g.LevelHeights[level] * g.LevelWidths[level];

        long channels = config.BaseChannels;
        total += Conv(g.Channels, channels, 3, Pixels(0));
        var skips = new Stack<long>();
        skips.Push(channels);
        for (int level = 0; level < g.Levels; level++)
        {
            for (int block = 0; block < config.ResBlocks; block++)
            {
                total += Residual(channels, g.LevelChannels[level], Pixels(level));
                channels = g.LevelChannels[level];
                if (g.LevelAttention[level])
                    total += Attention(channels, Pixels(level));
                skips.Push(channels);
            }
            if (level < g.Levels - 1)
            {
                total += Conv(channels, channels, 3, Pixels(level + 1));
                skips.Push(channels);
            }
        }
        int last = g.Levels - 1;
        total += 2 * Residual(channels, channels, Pixels(last)) + (g.LevelAttention[last] ? Attention(channels, Pixels(last)) : 0);
        for (int level = last; level >= 0; level--)
        {
            for (int block = 0; block <= config.ResBlocks; block++)
            {
                total += Residual(channels + skips.Pop(), g.LevelChannels[level], Pixels(level));
                channels = g.LevelChannels[level];
                if (g.LevelAttention[level])
                    total += Attention(channels, Pixels(level));
                if (level > 0 && block == config.ResBlocks)
                    total += Conv(channels, channels, 3, Pixels(level - 1));
            }
        }
        return total + Conv(channels, g.Channels, 3, Pixels(0));
    }
}
