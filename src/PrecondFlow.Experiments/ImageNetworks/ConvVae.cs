using PrecondFlow.Devices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// A convolutional variational auto-encoder of 28×28 grayscale images with ResNet blocks, group normalisation
/// and SiLU (the paper's App. F.1). Encoder: conv 1→C (28×28), stride-2 conv → 2C (14×14), residual blocks,
/// stride-2 conv → 4C (7×7), residual blocks, GroupNorm, SiLU, Linear → (mean, log-variance) of size
/// <see cref="VaeOptions.LatentDim"/>. Decoder: Linear → 4C×7×7, residual blocks, nearest ×2 + conv → 2C (14×14),
/// residual blocks, nearest ×2 + conv → C (28×28), GroupNorm, SiLU, conv → 1, sigmoid: images in [0, 1].
/// <para>
/// With a spatial latent (<see cref="VaeOptions.LatentChannels"/> = L &gt; 0), as the Stable-Diffusion VAE keeps a
/// grid: the image is zero-padded to 32×32 (black, the background of these images), the same layers run at 32, 16
/// and 8, and a 1×1 conv gives (mean, log-variance) per latent pixel, 2L channels at 8×8. The decoder starts with a
/// 3×3 conv L → 4C at 8×8, upsamples to 16 and 32, and crops the output back to the central 28×28. Latents still go
/// in and out flattened, (n, L·64) in (channel, row, column) order; <see cref="LatentShape"/> gives the grid.
/// </para>
/// </summary>
public sealed class ConvVae : nn.Module<Tensor, Tensor>, IRunsConvolutionShapes
{
    /// <summary>The network's convolution shapes as run, checked against oneDNN's forward kernels (see
    /// <see cref="OneDnnForwardCheck"/>): the output convolutions' few channels padded to a block
    /// (<see cref="ChannelPaddedConvolution"/>), so that training may back-propagate on oneDNN.</summary>
    private ConvolutionShape[] Convolutions { get; }

    // Named after the flat layout's resolutions (28, 14, 7); a spatial latent runs the same layers at 32, 16 and 8. The
    // names are those of the saved parameters, so they stay. Declared in call order: parameters are initialised in it.
    private readonly Conv2d encoderInput;
    private readonly Conv2d encoderDown14;
    private readonly Sequential encoderBlocks14;
    private readonly Conv2d encoderDown7;
    private readonly Sequential encoderBlocks7;
    private readonly GroupNorm encoderNorm;
    /// <summary>Linear from the flattened 7×7 features (flat), or 1×1 conv per latent pixel (spatial).</summary>
    private readonly nn.Module<Tensor, Tensor> encoderOutput;
    /// <summary>Linear to 4C×7×7 (flat), or 3×3 conv L → 4C at 8×8 (spatial).</summary>
    private readonly nn.Module<Tensor, Tensor> decoderInput;
    private readonly Sequential decoderBlocks7;
    private readonly Conv2d decoderUp14;
    private readonly Sequential decoderBlocks14;
    private readonly Conv2d decoderUp28;
    private readonly GroupNorm decoderNorm;
    private readonly Conv2d decoderOutput;

    /// <param name="options">Shape fields: <see cref="VaeOptions.LatentDim"/>, <see cref="VaeOptions.LatentChannels"/>,
    /// <see cref="VaeOptions.Channels"/>, <see cref="VaeOptions.BlocksPerResolution"/>; the defaults when null.</param>
    public ConvVae(VaeOptions? options = null) : base(nameof(ConvVae))
    {
        Options = (options ?? new VaeOptions()).Validate();
        int c = Options.Channels, blocks = Options.BlocksPerResolution, latent = Options.LatentDim, grid = Options.LatentChannels;
        encoderInput = nn.Conv2d(1, c, 3, padding: 1);
        encoderDown14 = nn.Conv2d(c, 2 * c, 3, stride: 2, padding: 1);
        encoderBlocks14 = Blocks(2 * c, blocks);
        encoderDown7 = nn.Conv2d(2 * c, 4 * c, 3, stride: 2, padding: 1);
        encoderBlocks7 = Blocks(4 * c, blocks);
        encoderNorm = ResidualBlock.Normalization(4 * c);
        encoderOutput = Options.IsSpatial ? nn.Conv2d(4 * c, 2 * grid, 1) : nn.Linear(4 * c * 7 * 7, 2 * latent);
        decoderInput = Options.IsSpatial ? nn.Conv2d(grid, 4 * c, 3, padding: 1) : nn.Linear(latent, 4 * c * 7 * 7);
        decoderBlocks7 = Blocks(4 * c, blocks);
        decoderUp14 = nn.Conv2d(4 * c, 2 * c, 3, padding: 1);
        decoderBlocks14 = Blocks(2 * c, blocks);
        decoderUp28 = nn.Conv2d(2 * c, c, 3, padding: 1);
        decoderNorm = ResidualBlock.Normalization(c);
        decoderOutput = nn.Conv2d(c, 1, 3, padding: 1);
        RegisterComponents();
        Convolutions = modules().OfType<Convolution>()
            .Select(c => (c == encoderOutput || c == decoderOutput ? ChannelPaddedConvolution.ShapeRun((Conv2d)c) : ConvolutionShape.Of(c))
                ?? throw new InvalidOperationException("Every convolution of the VAE is a plain 2-D one."))
            .ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<ConvolutionShape> ConvolutionShapesRun => Convolutions;

    /// <summary>Bounds of the encoder's log-variance output.</summary>
    public const double MinLogVariance = -20, MaxLogVariance = 10;

    /// <summary>The options the network was built with (only its shape fields matter here).</summary>
    public VaeOptions Options { get; }

    /// <summary>Numbers in one flattened latent: <see cref="VaeOptions.LatentSize"/>.</summary>
    public int LatentSize => Options.LatentSize;

    /// <summary>The latent grid {channels, 8, 8} that the flattened latents unflatten to; null for a flat latent.</summary>
    public int[]? LatentShape => Options.LatentShape;

    /// <summary>Zero padding that takes 28×28 images to 32×32 for a spatial latent.</summary>
    private const int SpatialPadding = 2;

    /// <summary>The posterior q(z|x) = N(mean, diag(exp(log-variance))).</summary>
    /// <param name="images">(n, 1, 28, 28) images in [0, 1].</param>
    /// <returns>(n, <see cref="LatentSize"/>) mean and log-variance, clamped to [<see cref="MinLogVariance"/>,
    /// <see cref="MaxLogVariance"/>]; a spatial latent flattened in (channel, row, column) order.</returns>
    public (Tensor Mean, Tensor LogVariance) Encode(Tensor images)
    {
        ImageChecks.CheckImages(images, nameof(images));
        using var native = OneDnnForwardCheck.NativeWhereNeeded(Convolutions, images);
        using var scope = NewDisposeScope();
        var x = Options.IsSpatial ? nn.functional.pad(images, [SpatialPadding, SpatialPadding, SpatialPadding, SpatialPadding]) : images;
        var h = nn.functional.silu(encoderInput.call(x));
        h = encoderBlocks14.call(encoderDown14.call(h));
        h = encoderBlocks7.call(encoderDown7.call(h));
        h = nn.functional.silu(encoderNorm.call(h));
        // Spatial: (n, 2L, 8, 8) split into mean and log-variance channels, each flattened to (n, L·64).
        var moments = Options.IsSpatial
            ? ChannelPaddedConvolution.Forward((Conv2d)encoderOutput, h).chunk(2, dim: 1).Select(m => m.flatten(1)).ToArray()
            : encoderOutput.call(h.flatten(1)).chunk(2, dim: 1);
        // Clamped so that exp(log-variance) can neither overflow nor vanish early in training.
        return (moments[0].MoveToOuterDisposeScope(), moments[1].clamp(MinLogVariance, MaxLogVariance).MoveToOuterDisposeScope());
    }

    /// <summary>Images from latents.</summary>
    /// <param name="latents">(n, <see cref="LatentSize"/>); a spatial latent flattened in (channel, row, column) order.</param>
    /// <returns>(n, 1, 28, 28) images in [0, 1].</returns>
    public Tensor Decode(Tensor latents)
    {
        if (latents.dim() != 2 || latents.shape[1] != LatentSize)
            throw new ArgumentException(
                $"Expected latents of shape (n, {LatentSize}); got ({string.Join(", ", latents.shape)}).", nameof(latents));
        using var native = OneDnnForwardCheck.NativeWhereNeeded(Convolutions, latents);
        using var scope = NewDisposeScope();
        var h = Options.IsSpatial
            ? decoderInput.call(latents.reshape([-1, .. Options.LatentShape!.Select(d => (long)d)]))
            : decoderInput.call(latents).view(-1, 4 * Options.Channels, 7, 7);
        h = decoderBlocks7.call(h);
        h = decoderBlocks14.call(decoderUp14.call(Upsample(h)));
        h = decoderUp28.call(Upsample(h));
        h = ChannelPaddedConvolution.Forward(decoderOutput, nn.functional.silu(decoderNorm.call(h)));
        // Cropped before the sigmoid, which acts pixel by pixel: the same result, without the 32×32 border's exponentials.
        if (Options.IsSpatial)
            h = h.narrow(2, SpatialPadding, 28).narrow(3, SpatialPadding, 28);
        return sigmoid(h).MoveToOuterDisposeScope();
    }

    /// <summary>The deterministic reconstruction Decode(mean of Encode(images)).</summary>
    /// <param name="images">(n, 1, 28, 28) images in [0, 1].</param>
    /// <returns>(n, 1, 28, 28) reconstructions in [0, 1].</returns>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Decode(Encode(images).Mean).MoveToOuterDisposeScope();
    }

    private static Tensor Upsample(Tensor x) =>
        nn.functional.interpolate(x, scale_factor: new[] { 2.0, 2.0 }, mode: InterpolationMode.Nearest);

    private static Sequential Blocks(int channels, int count) =>
        nn.Sequential(Enumerable.Range(0, count).Select(_ => (nn.Module<Tensor, Tensor>)new ResidualBlock(channels)).ToArray());
}
