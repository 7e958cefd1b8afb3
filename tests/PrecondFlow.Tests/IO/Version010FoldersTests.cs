using System.Text.Json.Nodes;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Images;
using PrecondFlow.Pipeline;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.IO;

/// <summary>
/// Folders written by PrecondFlow 0.1.0 (format_version 1; see Fixtures/v0.1.0/README.md) still load and give what
/// 0.1.0 gave from them: the same samples for the same seed, the same logits for the same input.
/// </summary>
public class Version010FoldersTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "v0.1.0");

    /// <summary>The sampling settings of the README's `sample` command.</summary>
    private static readonly SamplingOptions Rk4With20Steps = new(Solver: "rk4", Steps: 20);

    [Theory]
    [InlineData(true, "model-samples-ema.npy")]
    [InlineData(false, "model-samples-no-ema.npy")]
    public void AModelFolderOf010SamplesWhat010Sampled(bool preferEma, string expectedFile)
    {
        using var model = PreconditionedModel.Load(Path.Combine(Fixtures, "model"), CPU, preferEma);
        Assert.Equal("chain", model.Preconditioner.Name);
        using var expected = NpyFile.Read(Path.Combine(Fixtures, expectedFile));
        var samples = model.Sample(64, Rk4With20Steps, seed: 3, CPU).Points;
        Assert.Equal(new long[] { 64, 2 }, samples.shape);
        // Bit-identical: the same float32 weights through the same operations on the CPU.
        Assert.True(samples.equal(expected).all().item<bool>(), $"largest difference {(samples - expected).abs().max().item<float>():E2}");
    }

    [Fact]
    public void AnImageClassifierOf010GivesTheLogitsOf010()
    {
        using var classifier = ImageNetworkFile.LoadClassifier(Path.Combine(Fixtures, "classifier"));
        using var expected = NpyFile.Read(Path.Combine(Fixtures, "classifier-logits.npy"));
        using var x = linspace(0, 1, 2 * 28 * 28).reshape(2, 1, 28, 28);
        using var _ = no_grad();
        using var logits = classifier.call(x);
        Assert.True(logits.equal(expected).all().item<bool>(), $"largest difference {(logits - expected).abs().max().item<float>():E2}");
    }

    [Fact]
    public void AModelFolderOf010SavedAgainIsInTheCurrentFormatAndSamplesTheSame()
    {
        // Resuming a finished run trains no further step: only the format changes.
        var folder = Path.Combine(Path.GetTempPath(), $"precondflow-resaved-{Guid.NewGuid():N}");
        try
        {
            var data = ToyDatasets.Create("swiss-roll", 256, seed: 1);
            using (var old = PreconditionedModel.Resume(Path.Combine(Fixtures, "model"), data, CPU))
                old.Save(folder);
            foreach (var manifest in new[] { "model.json", "pipeline.json", "preconditioner/preconditioner.json",
                         "preconditioner/member-0/preconditioner.json", "preconditioner/member-1/preconditioner.json" })
                Assert.Equal(Checkpoint.FormatVersion, (int)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, manifest)))!["format_version"]!);

            using var model = PreconditionedModel.Load(folder, CPU);
            using var expected = NpyFile.Read(Path.Combine(Fixtures, "model-samples-ema.npy"));
            var samples = model.Sample(64, Rk4With20Steps, seed: 3, CPU).Points;
            Assert.True(samples.equal(expected).all().item<bool>(), $"largest difference {(samples - expected).abs().max().item<float>():E2}");
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AnImageClassifierOf010SavedAgainGivesTheSameLogits()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"precondflow-resaved-{Guid.NewGuid():N}");
        try
        {
            using (var old = ImageNetworkFile.LoadClassifier(Path.Combine(Fixtures, "classifier")))
                ImageNetworkFile.Save(folder, old);
            Assert.Equal(ImageNetworkFile.FormatVersion, ImageNetworkFile.ReadManifest(folder, ImageNetworkFile.ClassifierKind).FormatVersion);
            using var classifier = ImageNetworkFile.LoadClassifier(folder);
            using var expected = NpyFile.Read(Path.Combine(Fixtures, "classifier-logits.npy"));
            using var x = linspace(0, 1, 2 * 28 * 28).reshape(2, 1, 28, 28);
            using var _ = no_grad();
            using var logits = classifier.call(x);
            Assert.True(logits.equal(expected).all().item<bool>());
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }
}
