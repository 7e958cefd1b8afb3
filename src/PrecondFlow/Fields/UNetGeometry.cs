namespace PrecondFlow.Fields;

/// <summary>
/// The shape of a UNet as a <see cref="FieldConfig"/> describes it: the image (C, H, W) and, per level, its channels,
/// its height and width, and whether it has self-attention. Level 0 works at the full resolution; each further level
/// halves height and width with a stride-2 convolution, so L levels (one per channel multiplier) need H and W divisible
/// by 2^(L − 1).
/// </summary>
/// <param name="Channels">C, the image's channels.</param>
/// <param name="Height">H, in pixels.</param>
/// <param name="Width">W, in pixels.</param>
/// <param name="LevelChannels">Feature channels of each level: BaseChannels × multiplier.</param>
/// <param name="LevelHeights">Height of each level: H / 2^level.</param>
/// <param name="LevelWidths">Width of each level: W / 2^level.</param>
/// <param name="LevelAttention">Whether each level has self-attention after its residual blocks.</param>
public sealed record UNetGeometry(int Channels, int Height, int Width, int[] LevelChannels, int[] LevelHeights, int[] LevelWidths,
    bool[] LevelAttention)
{
    /// <summary>Number of levels (one per channel multiplier).</summary>
    public int Levels => LevelChannels.Length;

    /// <summary>Checks a UNet configuration and works out its geometry.</summary>
    /// <exception cref="ArgumentException">The message names the field and says what would work: no or a bad image shape,
    /// C·H·W ≠ Dim, sides not divisible by 2^(levels − 1), GroupNorm groups that do not divide every level's channels,
    /// heads that do not divide an attention level's channels, an attention resolution that no level has, or a size
    /// below 1 (channels, multipliers, residual blocks, heads, groups) or a dropout outside [0, 1).</exception>
    public static UNetGeometry Of(FieldConfig config)
    {
        if (config.ImageShape is not { Length: 3 } shape || shape.Any(s => s < 1))
            throw new ArgumentException(
                $"A UNet needs the image shape C×H×W (ImageShape), three positive sizes such as 1x28x28; got {Show(config.ImageShape)}.",
                nameof(FieldConfig.ImageShape));
        var (c, h, w) = (shape[0], shape[1], shape[2]);
        if ((long)c * h * w != config.Dim)
            throw new ArgumentException(
                $"The image shape {c}×{h}×{w} holds {(long)c * h * w} values but Dim is {config.Dim}: a UNet sees each data point as one image, so Dim must equal C·H·W.",
                nameof(FieldConfig.ImageShape));
        Require(config.BaseChannels >= 1, nameof(FieldConfig.BaseChannels), $"The UNet needs at least 1 base channel; got {config.BaseChannels}.");
        var multipliers = config.Multipliers;
        Require(multipliers.Length >= 1 && multipliers.All(m => m >= 1), nameof(FieldConfig.ChannelMultipliers),
            $"Give at least one channel multiplier, each at least 1 (e.g. 1,2,2); got {Show(multipliers)}.");
        Require(config.ResBlocks >= 1, nameof(FieldConfig.ResBlocks), $"Each UNet level needs at least 1 residual block; got {config.ResBlocks}.");
        Require(config.Heads >= 1, nameof(FieldConfig.Heads), $"Attention needs at least 1 head; got {config.Heads}.");
        Require(config.Dropout is >= 0 and < 1, nameof(FieldConfig.Dropout), $"Dropout is a probability in [0, 1); got {config.Dropout}.");
        Require(config.NormGroups >= 1, nameof(FieldConfig.NormGroups), $"GroupNorm needs at least 1 group; got {config.NormGroups}.");

        int levels = multipliers.Length;
        int factor = 1 << (levels - 1);
        if (h % factor != 0 || w % factor != 0)
        {
            string Verdict(int side) => side % factor == 0 ? $"{side} works" : $"{side} does not — use {Nearest(side, factor)}";
            var sides = h == w ? Verdict(h) : $"{Verdict(h)}; {Verdict(w)}";
            throw new ArgumentException(
                $"{h}×{w} with {levels} levels needs sides divisible by {factor} (2^(levels − 1)): {sides}; or use fewer channel multipliers.",
                nameof(FieldConfig.ImageShape));
        }
        var channels = multipliers.Select(m => config.BaseChannels * m).ToArray();
        var bad = channels.Where(ch => ch % config.NormGroups != 0).Distinct().ToArray();
        if (bad.Length > 0)
        {
            int common = channels.Aggregate(Gcd);
            throw new ArgumentException(
                $"GroupNorm with {config.NormGroups} groups needs every level's channels divisible by {config.NormGroups}, but the levels have {Show(channels)} channels " +
                $"({Show(bad)} {(bad.Length == 1 ? "is" : "are")} not): use a group count that divides {common}, e.g. {string.Join(", ", Divisors(common))}.",
                nameof(FieldConfig.NormGroups));
        }
        var heights = Enumerable.Range(0, levels).Select(i => h >> i).ToArray();
        var widths = Enumerable.Range(0, levels).Select(i => w >> i).ToArray();
        var attentionAt = config.AttentionResolutions ?? new[] { heights[^1] };
        foreach (var resolution in attentionAt)
        {
            if (!heights.Contains(resolution))
                throw new ArgumentException(
                    $"Attention resolution {resolution} is not the height of any level: the levels of {h}×{w} are {Show(heights)} pixels high.",
                    nameof(FieldConfig.AttentionResolutions));
        }
        var attention = heights.Select(attentionAt.Contains).ToArray();
        for (int i = 0; i < levels; i++)
        {
            if (attention[i] && channels[i] % config.Heads != 0)
                throw new ArgumentException(
                    $"{config.Heads} attention heads must divide the {channels[i]} channels of the level at resolution {heights[i]}; use a divisor of {channels[i]}.",
                    nameof(FieldConfig.Heads));
        }
        return new UNetGeometry(c, h, w, channels, heights, widths, attention);
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
            throw new ArgumentException(message, field);
    }

    private static string Show(int[]? values) => values is null ? "none" : string.Join(",", values);

    /// <summary>The multiples of <paramref name="factor"/> just below and above <paramref name="side"/>, as "a or b".</summary>
    private static string Nearest(int side, int factor)
    {
        int below = side / factor * factor;
        int above = below + factor;
        return below >= factor ? $"{below} or {above}" : $"{above}";
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private static IEnumerable<int> Divisors(int n) => Enumerable.Range(1, n).Where(d => n % d == 0).Reverse().Take(4).Reverse();
}
