using PrecondFlow.Data.Images;
using PrecondFlow.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images.Internal;

/// <summary>Where the flows of an image experiment live: the VAE's spatial latent, or the pixels scaled to [−1, 1].</summary>
internal sealed class FlowSpace(Table3Options options, ImageNetworks networks, int height, int width)
{
    public bool InLatent => options.InLatent;

    /// <summary>(C, H, W) of the points.</summary>
    public int[] Shape { get; } = options.InLatent ? options.Vae.LatentShape! : [1, height, width];

    /// <summary>What the points are, in words.</summary>
    public string Name => InLatent ? $"{string.Join("×", Shape)} VAE latents" : "pixels";

    /// <summary>(n, C·H·W) float32 points of <paramref name="images"/>: their cached latents, or their pixels in [−1, 1].</summary>
    public Tensor Points(ImageData images, Tensor latents, Device device) =>
        InLatent ? latents.to(device) : images.ImagesTensor(device).flatten(1).mul(2).sub(1);

    /// <summary>(n, 1, H, W) images in [0, 1] from points.</summary>
    public Tensor Decode(Tensor points) => InLatent
        ? ImageBatches.Decode(networks.Vae, points)
        : points.add(1).div(2).clamp(0, 1).view(-1, 1, height, width);
}
