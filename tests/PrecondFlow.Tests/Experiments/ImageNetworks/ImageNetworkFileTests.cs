using System.Text.Json.Nodes;
using PrecondFlow.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.ImageNetworks;

public class ImageNetworkFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-images-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static readonly ClassifierOptions SmallClassifier = new() { Channels = 4, Features = 16 };
    private static readonly VaeOptions SmallVae = new() { Channels = 4, LatentDim = 8 };

    [Fact]
    public void A_saved_classifier_loads_back_with_identical_outputs()
    {
        manual_seed(1);
        var classifier = new DigitClassifier(SmallClassifier);
        classifier.eval();
        var path = Path.Combine(folder, "classifier");
        ImageNetworkFile.Save(path, classifier);
        var loaded = ImageNetworkFile.LoadClassifier(path);
        var (x, _) = SyntheticShapes.Make(4, seed: 2);
        using var _ = no_grad();
        // Bit-identical: the same weights through the same operations.
        Assert.True(classifier.call(x).Equals(loaded.call(x)));
        Assert.Equal(SmallClassifier, loaded.Options);
        Assert.False(loaded.training);
    }

    [Fact]
    public void A_saved_vae_loads_back_with_identical_outputs()
    {
        manual_seed(3);
        var vae = new ConvVae(SmallVae);
        vae.eval();
        var path = Path.Combine(folder, "vae");
        ImageNetworkFile.Save(path, vae);
        var loaded = ImageNetworkFile.LoadVae(path);
        var (x, _) = SyntheticShapes.Make(4, seed: 4);
        using var _ = no_grad();
        Assert.True(vae.call(x).Equals(loaded.call(x)));
        Assert.Equal(SmallVae, loaded.Options);
    }

    [Fact]
    public void A_saved_spatial_vae_loads_back_with_identical_outputs_and_its_latent_grid()
    {
        var spatial = SmallVae with { LatentChannels = 4 };
        manual_seed(5);
        var vae = new ConvVae(spatial);
        vae.eval();
        var path = Path.Combine(folder, "spatial-vae");
        ImageNetworkFile.Save(path, vae);
        var loaded = ImageNetworkFile.LoadVae(path);
        var (x, _) = SyntheticShapes.Make(4, seed: 6);
        using var _ = no_grad();
        Assert.True(vae.call(x).Equals(loaded.call(x)));
        Assert.True(vae.Encode(x).Mean.Equals(loaded.Encode(x).Mean));
        Assert.Equal(spatial, loaded.Options);
        Assert.Equal(new[] { 4, 8, 8 }, loaded.LatentShape);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(null)]
    public void A_spatial_vae_whose_recorded_latent_channels_were_changed_is_refused(int? recorded)
    {
        var path = Path.Combine(folder, "spatial-vae");
        ImageNetworkFile.Save(path, new ConvVae(SmallVae with { LatentChannels = 4 }));
        var manifest = Path.Combine(path, ImageNetworkFile.ManifestFile);
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        var settings = json["settings"]!.AsObject();
        // null: the field dropped, which reads as a flat latent.
        if (recorded is { } channels)
            settings["latent_channels"] = channels;
        else
            settings.Remove("latent_channels");
        File.WriteAllText(manifest, json.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => ImageNetworkFile.LoadVae(path));
        Assert.Contains(ImageNetworkFile.WeightsFile, error.Message);
    }

    [Fact]
    public void Corrupted_weights_are_detected_by_the_checksum()
    {
        var path = Path.Combine(folder, "vae");
        ImageNetworkFile.Save(path, new ConvVae(SmallVae));
        var weights = Path.Combine(path, ImageNetworkFile.WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(weights, bytes);
        var error = Assert.Throws<InvalidDataException>(() => ImageNetworkFile.LoadVae(path));
        Assert.Contains(ImageNetworkFile.WeightsFile, error.Message);
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public void Loading_the_wrong_kind_or_a_missing_folder_or_file_fails_with_the_name()
    {
        var path = Path.Combine(folder, "classifier");
        ImageNetworkFile.Save(path, new DigitClassifier(SmallClassifier));
        var kind = Assert.Throws<InvalidDataException>(() => ImageNetworkFile.LoadVae(path));
        Assert.Contains(ImageNetworkFile.ClassifierKind, kind.Message);
        Assert.Throws<DirectoryNotFoundException>(() => ImageNetworkFile.LoadClassifier(Path.Combine(folder, "absent")));
        File.Delete(Path.Combine(path, ImageNetworkFile.WeightsFile));
        var missing = Assert.Throws<InvalidDataException>(() => ImageNetworkFile.LoadClassifier(path));
        Assert.Contains(Path.Combine(path, ImageNetworkFile.WeightsFile) + " is missing", missing.Message);
        File.Delete(Path.Combine(path, ImageNetworkFile.ManifestFile));
        Assert.Throws<FileNotFoundException>(() => ImageNetworkFile.LoadClassifier(path));
    }
}
