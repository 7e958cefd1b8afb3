using PrecondFlow.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.ImageNetworks;

public class ConvVaeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Encodes_to_latent_moments_and_decodes_to_images_in_the_unit_range(int blocks)
    {
        manual_seed(1);
        var vae = new ConvVae(new VaeOptions { Channels = 4, LatentDim = 8, BlocksPerResolution = blocks });
        var (x, _) = SyntheticShapes.Make(3, seed: 2);
        using var _ = no_grad();
        var (mean, logVariance) = vae.Encode(x);
        Assert.Equal(new long[] { 3, 8 }, mean.shape);
        Assert.Equal(new long[] { 3, 8 }, logVariance.shape);
        var decoded = vae.Decode(randn(5, 8) * 10);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, decoded.shape);
        // A sigmoid output: within [0, 1] even for latents far outside the prior.
        Assert.True(decoded.min().item<float>() >= 0 && decoded.max().item<float>() <= 1);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, vae.call(x).shape);
    }

    [Fact]
    public void Decode_rejects_latents_of_the_wrong_dimension()
    {
        var vae = new ConvVae(new VaeOptions { Channels = 4, LatentDim = 8 });
        var error = Assert.Throws<ArgumentException>(() => vae.Decode(zeros(2, 7)));
        Assert.Contains("(n, 8)", error.Message);
    }
}
