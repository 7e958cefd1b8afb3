using PrecondFlow.Devices;
using PrecondFlow.Images;
using PrecondFlow.IO;
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

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void With_the_default_width_every_convolution_it_runs_fills_whole_blocks_of_output_channels_so_training_back_propagates_on_oneDNN(int latentChannels)
    {
        // The 1-channel image output and the 2L-channel moment output run padded to 16 channels (ChannelPaddedConvolution).
        var vae = new ConvVae(new VaeOptions { LatentChannels = latentChannels });
        Assert.All(vae.ConvolutionShapesRun, shape => Assert.Equal(0, shape.OutChannels % ChannelPaddedConvolution.OutputChannelBlock));
        if (CpuConvolutions.CanSwitchOneDnn)
            Assert.True(OneDnnBackwardCheck.IsExact(vae));
    }

    [Fact]
    public void Decode_rejects_latents_of_the_wrong_dimension()
    {
        var vae = new ConvVae(new VaeOptions { Channels = 4, LatentDim = 8 });
        var error = Assert.Throws<ArgumentException>(() => vae.Decode(zeros(2, 7)));
        Assert.Contains("(n, 8)", error.Message);
    }

    [Fact]
    public void A_spatial_latent_is_a_grid_of_LatentChannels_by_8_by_8_handed_over_flattened()
    {
        manual_seed(3);
        var vae = new ConvVae(new VaeOptions { Channels = 4, LatentChannels = 4 });
        Assert.Equal(new[] { 4, 8, 8 }, vae.LatentShape);
        Assert.Equal(256, vae.LatentSize);
        var (x, _) = SyntheticShapes.Make(5, seed: 4);
        using var _ = no_grad();
        var (mean, logVariance) = vae.Encode(x);
        Assert.Equal(new long[] { 5, 256 }, mean.shape);
        Assert.Equal(new long[] { 5, 256 }, logVariance.shape);
        var decoded = vae.Decode(randn(5, 256) * 10);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, decoded.shape);
        Assert.True(decoded.min().item<float>() >= 0 && decoded.max().item<float>() <= 1);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, vae.call(x).shape);
        var error = Assert.Throws<ArgumentException>(() => vae.Decode(zeros(2, 64)));
        Assert.Contains("(n, 256)", error.Message);
    }

    [Fact]
    public void The_flat_default_keeps_the_parameters_and_the_settings_it_had_before_spatial_latents()
    {
        var vae = new ConvVae();
        var parameters = vae.named_parameters().ToArray();
        // Counted before spatial latents existed: networks saved with the default shape still load.
        Assert.Equal(52, parameters.Length);
        Assert.Equal(837_537, parameters.Sum(p => p.parameter.numel()));
        Assert.Equal(new long[] { 128, 16 * 4 * 7 * 7 }, parameters.Single(p => p.name == "encoderOutput.weight").parameter.shape);
        Assert.Null(vae.LatentShape);
        Assert.Equal(64, vae.LatentSize);
        // The settings JSON (which the network cache hashes into its keys) has no trace of the new field when it is 0.
        Assert.DoesNotContain("latent_channels", Json.Serialize(new VaeOptions()));
        Assert.Contains("\"latent_channels\": 4", Json.Serialize(new VaeOptions { LatentChannels = 4 }));
        Assert.Equal(new VaeOptions { LatentChannels = 4 }, Json.Deserialize<VaeOptions>(Json.Serialize(new VaeOptions { LatentChannels = 4 })));
    }

    [Fact]
    public void A_spatial_latent_pixel_responds_to_its_own_part_of_the_image()
    {
        // Without residual blocks the encoder is 3×3 conv, 3×3 conv of stride 2, 3×3 conv of stride 2, GroupNorm, SiLU,
        // 1×1 conv: latent pixel (i, j) sees the padded pixels 4i − 4 … 4i + 4, i.e. image rows (and likewise columns)
        // 4i − 6 … 4i + 2. The top-left latent pixels (i, j < 4) see only rows and columns below 14; the bottom-right ones
        // (i, j ≥ 5) only rows and columns from 14 on. A change confined to the top-left 14×14 quarter reaches the latter
        // only through the GroupNorm statistics shared by the whole 8×8 map, a weak, indirect effect.
        manual_seed(11);
        var vae = new ConvVae(new VaeOptions { Channels = 8, LatentChannels = 4, BlocksPerResolution = 0 });
        vae.eval();
        var (x, _) = SyntheticShapes.Make(4, seed: 12);
        var changed = x.clone();
        using var _ = no_grad();
        changed[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 14), TensorIndex.Slice(0, 14)] = rand(4, 1, 14, 14);
        var delta = (vae.Encode(changed).Mean - vae.Encode(x).Mean).abs().view(4, 4, 8, 8);
        double topLeft = delta[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 4), TensorIndex.Slice(0, 4)].mean().item<float>();
        double bottomRight = delta[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(5, 8), TensorIndex.Slice(5, 8)].mean().item<float>();
        Assert.True(topLeft > 0, "the changed quarter moves the latent pixels that see it");
        // Measured over 30 seeds of network and images: the ratio ran from 2.9 to 14 (5.5 for these); 2 leaves room.
        Assert.True(topLeft > 2 * bottomRight, $"mean |change| top-left {topLeft:G3}, bottom-right {bottomRight:G3}");
    }

    [Fact]
    public void Options_validation_names_a_negative_LatentChannels()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ConvVae(new VaeOptions { LatentChannels = -1 }));
        Assert.Contains("LatentChannels", error.Message);
        Assert.Equal("LatentChannels", error.ParamName);
    }
}
