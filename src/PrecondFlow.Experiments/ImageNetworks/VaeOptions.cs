using System.Text.Json.Serialization;

namespace PrecondFlow.Images;

/// <summary>
/// Shape and training of a <see cref="ConvVae"/>: latent size (a flat vector, or a spatial grid of
/// <see cref="LatentChannels"/> × 8 × 8), channel width C, residual blocks per resolution, and the
/// loss MSE(x̂, x) + PerceptualWeight · MSE(features(x̂), features(x)) + KlWeight · KL(q(z|x) ‖ N(0, I)), minimised by
/// AdamW with linear warm-up, cosine decay to zero and global-norm gradient clipping.
/// </summary>
public sealed record VaeOptions
{
    /// <summary>Dimension of the flat latent space (the paper: 64); ignored when <see cref="LatentChannels"/> is positive.</summary>
    public int LatentDim { get; init; } = 64;
    /// <summary>
    /// Channels of a spatial latent of shape (<see cref="LatentChannels"/>, 8, 8), as the Stable-Diffusion VAE keeps a
    /// grid; 0 (the default) for the flat latent of <see cref="LatentDim"/>. Left out of the JSON when 0, so that the
    /// settings (and the cache keys derived from them) of a flat VAE read as they did before the field existed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int LatentChannels { get; init; }
    /// <summary>C: channels at the input resolution (28×28, or 32×32 with a spatial latent); 2C at half and 4C at a
    /// quarter of it.</summary>
    public int Channels { get; init; } = 16;
    /// <summary>Residual blocks at each of the two lower resolutions, in the encoder and in the decoder.</summary>
    public int BlocksPerResolution { get; init; } = 1;
    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 2e-3;
    public double WeightDecay { get; init; } = 1e-4;
    public int WarmupSteps { get; init; } = 100;
    public double GradientClip { get; init; } = 1.0;
    /// <summary>Weight of the KL term (summed over latent dimensions, averaged over the batch) against the per-pixel MSE.</summary>
    public double KlWeight { get; init; } = 1e-4;
    /// <summary>Weight of the feature-space MSE under the frozen classifier; unused without a classifier.</summary>
    public double PerceptualWeight { get; init; } = 0.01;
    /// <summary>Steps between entries of the loss trace.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>Side of the spatial latent grid: 28×28 images padded to 32×32 and halved twice.</summary>
    public const int LatentSide = 8;

    /// <summary>Whether the latent is a grid (<see cref="LatentChannels"/> &gt; 0) rather than a flat vector.</summary>
    [JsonIgnore]
    public bool IsSpatial => LatentChannels > 0;

    /// <summary>Numbers in one latent, flattened: LatentChannels · 8 · 8 when spatial, else <see cref="LatentDim"/>.</summary>
    [JsonIgnore]
    public int LatentSize => IsSpatial ? LatentChannels * LatentSide * LatentSide : LatentDim;

    /// <summary>The latent grid {LatentChannels, 8, 8} when spatial (what a UNet on latents is given); null when flat.</summary>
    [JsonIgnore]
    public int[]? LatentShape => IsSpatial ? [LatentChannels, LatentSide, LatentSide] : null;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first field out of range.</summary>
    public VaeOptions Validate()
    {
        Check(LatentDim >= 1, nameof(LatentDim), LatentDim, "at least 1 (64 in the paper)");
        Check(LatentChannels >= 0, nameof(LatentChannels), LatentChannels, "non-negative (0 for a flat latent, e.g. 4 for a 4×8×8 grid)");
        Check(Channels >= 1, nameof(Channels), Channels, "at least 1 (16 is the default)");
        Check(BlocksPerResolution >= 0, nameof(BlocksPerResolution), BlocksPerResolution, "non-negative");
        Check(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Check(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1 (128 is the default)");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "positive and finite");
        Check(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "non-negative");
        Check(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps, "non-negative");
        Check(GradientClip > 0, nameof(GradientClip), GradientClip, "positive (use a large value to clip nothing)");
        Check(KlWeight >= 0 && double.IsFinite(KlWeight), nameof(KlWeight), KlWeight, "non-negative (1e-4 is the default)");
        Check(PerceptualWeight >= 0 && double.IsFinite(PerceptualWeight), nameof(PerceptualWeight), PerceptualWeight, "non-negative");
        Check(LogEvery >= 1, nameof(LogEvery), LogEvery, "at least 1");
        return this;
    }

    private static void Check(bool ok, string name, object value, string what)
    {
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value, $"VaeOptions.{name} must be {what}; got {value}.");
    }
}
