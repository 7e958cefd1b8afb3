using System.Text.Json.Nodes;
using PrecondFlow.Data.Images;
using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Images;
using PrecondFlow.Pipeline;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.IO;

/// <summary>
/// Every saved folder (model, preconditioner, image network, cache entry) refuses to load when it is damaged, and the
/// error names the file (and the field, for a manifest): a flipped byte or a truncated weights file, a missing file, a
/// manifest from a newer PrecondFlow, a manifest with a key missing or of the wrong type.
/// </summary>
public sealed class DamagedFoldersTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-damaged-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A model folder with a whiten+realnvp preconditioner and EMA weights, written by this version: the
    /// 0.1.0 fixture, reopened and saved again (no training step is left, so nothing changes but the format).</summary>
    private string SavedModel()
    {
        var folder = Path.Combine(root, "model");
        var data = ToyDatasets.Create("swiss-roll", 256, seed: 1);
        using var model = PreconditionedModel.Resume(Path.Combine(AppContext.BaseDirectory, "Fixtures", "v0.1.0", "model"), data, CPU);
        model.Save(folder);
        return folder;
    }

    private static void FlipOneByte(string file)
    {
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(file, bytes);
    }

    private static void EditJson(string file, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        edit(json);
        File.WriteAllText(file, json.ToJsonString());
    }

    [Theory]
    [InlineData("field.bin")]
    [InlineData("ema.bin")]
    [InlineData("optimizer.bin")]
    [InlineData("preconditioner/member-0/weights.bin")]
    [InlineData("preconditioner/member-1/weights.bin")]
    public void AModelWithOneByteFlippedInAnyWeightsFileDoesNotLoadAndTheFileIsNamed(string name)
    {
        // Sampling reads the EMA weights only, yet a damaged field.bin or optimizer.bin means a damaged folder.
        var folder = SavedModel();
        var file = Path.Combine(folder, name);
        FlipOneByte(file);
        var e = Assert.Throws<InvalidDataException>(() => PreconditionedModel.Load(folder, CPU).Dispose());
        Assert.Contains(file + " is corrupted", e.Message);
        Assert.Contains("damaged", e.Message);
    }

    [Fact]
    public void ResumingFromACheckpointWithAFlippedOptimizerByteFails()
    {
        var folder = SavedModel();
        FlipOneByte(Path.Combine(folder, Checkpoint.OptimizerFile));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(folder, CPU).Dispose());
        Assert.Contains(Path.Combine(folder, Checkpoint.OptimizerFile), e.Message);
    }

    [Fact]
    public void ATruncatedWeightsFileIsNamed()
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, Checkpoint.FieldFile);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<InvalidDataException>(() => PreconditionedModel.Load(folder, CPU).Dispose());
        Assert.Contains(file + " is corrupted", e.Message);
    }

    [Fact]
    public void AMissingWeightsFileIsNamed()
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, Checkpoint.OptimizerFile);
        File.Delete(file);
        var e = Assert.Throws<InvalidDataException>(() => PreconditionedModel.Load(folder, CPU).Dispose());
        Assert.Contains(file + " is missing", e.Message);
    }

    [Theory]
    [InlineData("model.json")]
    [InlineData("pipeline.json")]
    [InlineData("preconditioner/preconditioner.json")]
    public void AManifestFromANewerVersionAsksForAnUpgrade(string name)
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, name);
        EditJson(file, json => json["format_version"] = 99);
        var e = Assert.Throws<InvalidDataException>(() => PreconditionedModel.Load(folder, CPU).Dispose());
        Assert.Contains(file, e.Message);
        Assert.Contains("format_version 99 was saved by a newer PrecondFlow", e.Message);
        Assert.Contains("Upgrade PrecondFlow", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void AFormatVersionBelowOneIsInvalid(int version)
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, Checkpoint.ManifestFile);
        EditJson(file, json => json["format_version"] = version);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadManifest(folder));
        Assert.Contains($"{file}: format_version {version} is not valid", e.Message);
    }

    [Fact]
    public void AManifestWithoutAFormatVersionIsNotAManifest()
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, Checkpoint.ManifestFile);
        EditJson(file, json => json.Remove("format_version"));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadManifest(folder));
        Assert.Contains($"{file}: field 'format_version' must be an integer", e.Message);
    }

    [Fact]
    public void AMissingKeyIsNamedWithItsFile()
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, Checkpoint.ManifestFile);
        EditJson(file, json => json.Remove("step"));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadManifest(folder));
        Assert.Contains($"{file}: field 'step' is missing", e.Message);
    }

    [Fact]
    public void AMissingNestedSettingIsNamedWithItsFile()
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, Checkpoint.ManifestFile);
        EditJson(file, json => json["settings"]!.AsObject().Remove("model"));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadManifest(folder));
        Assert.Contains($"{file}: field 'settings.model' is missing", e.Message);
    }

    [Fact]
    public void AFieldOfTheWrongTypeIsNamedWithItsFile()
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, Checkpoint.ManifestFile);
        EditJson(file, json => json["step"] = "many");
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadManifest(folder));
        Assert.Contains($"{file}: field 'step' has a value of the wrong type: \"many\"", e.Message);
    }

    [Fact]
    public void MalformedJsonIsNamed()
    {
        var folder = SavedModel();
        var file = Path.Combine(folder, "pipeline.json");
        File.WriteAllText(file, File.ReadAllText(file)[..40]);
        var e = Assert.Throws<InvalidDataException>(() => PreconditionedModel.Load(folder, CPU).Dispose());
        Assert.Contains($"{file}: not valid JSON", e.Message);
    }

    [Fact]
    public void AnImageNetworkWithOneByteFlippedIsNamed()
    {
        var folder = Path.Combine(root, "vae");
        manual_seed(1);
        using (var vae = new ConvVae(new VaeOptions { Channels = 2, LatentDim = 4 }))
            ImageNetworkFile.Save(folder, vae);
        var file = Path.Combine(folder, ImageNetworkFile.WeightsFile);
        FlipOneByte(file);
        var e = Assert.Throws<InvalidDataException>(() => ImageNetworkFile.LoadVae(folder).Dispose());
        Assert.Contains(file + " is corrupted", e.Message);
    }

    [Fact]
    public void ACachedLatentsFileWithOneByteFlippedIsNamed()
    {
        var cache = Path.Combine(root, "cache");
        var data = TinyImages();
        var options = Table2Options.For("mnist", ImageBudget.Quick) with
        {
            Classifier = new ClassifierOptions { Epochs = 1, MinimumSteps = 0, BatchSize = 32, Channels = 2, Features = 4 },
            Vae = new VaeOptions { Epochs = 1, BatchSize = 32, Channels = 2, LatentDim = 4, WarmupSteps = 0 },
        };
        string vaeFolder;
        using (var networks = ImageNetworkCache.Prepare(data, options, cache, CPU))
            vaeFolder = networks.Report.VaeFolder;
        var file = Path.Combine(vaeFolder, "latents-train.npy");
        FlipOneByte(file);
        var e = Assert.Throws<InvalidDataException>(() => ImageNetworkCache.Prepare(data, options, cache, CPU).Dispose());
        Assert.Contains(file + " is corrupted", e.Message);
    }

    /// <summary>64 training and 32 held-out 28×28 images of two classes: enough for two optimizer steps per network.</summary>
    private static ImageDataSplit TinyImages()
    {
        ImageData Make(int n, int seed)
        {
            var random = new Random(seed);
            var pixels = new float[n * 28 * 28];
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = (float)random.NextDouble();
            var labels = Enumerable.Range(0, n).Select(i => i % 2).ToArray();
            return new ImageData(28, 28, pixels, labels, ["zero", "one"]);
        }
        return new ImageDataSplit("tiny", Make(64, 1), Make(32, 2), "random pixels");
    }
}
