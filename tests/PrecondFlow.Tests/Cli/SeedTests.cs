using PrecondFlow.Fields;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Cli;

/// <summary>`--seed` decides every random draw of `train`: the same seed gives the same files, another seed others.</summary>
public class SeedTests : IDisposable
{
    private static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-seed-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Train(string preconditioner, long seed, string name, int steps, params string[] extra)
    {
        var output = Path.Combine(folder, name);
        var args = new[]
        {
            "train", "--data", "moons", "--count", "300", "--steps", steps.ToString(), "--batch-size", "64", "--hidden", "16", "--log-every", "10",
            "--preconditioner", preconditioner, "--realnvp-steps", "20", "--realnvp-hidden", "16", "--flow-steps", "20",
            "--seed", seed.ToString(), "--device", "cpu", "--out", output,
        }.Concat(extra).ToArray();
        var run = CliRunner.Run(args);
        Assert.True(run.ExitCode == 0, run.Error);
        return output;
    }

    /// <summary>Every weights file of a model folder (main flow, EMA, optimizer, preconditioner), by relative path.</summary>
    private static Dictionary<string, byte[]> WeightFiles(string model) =>
        Directory.EnumerateFiles(model, "*.bin", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(model, f), File.ReadAllBytes);

    [Theory]
    [InlineData("none")]
    [InlineData("whiten")]
    [InlineData("class-whiten")]
    [InlineData("realnvp")]
    [InlineData("flow")]
    [InlineData("whiten+realnvp")]
    [InlineData("whiten+flow")]
    public void TheSameSeedGivesIdenticalWeightFilesAndAnotherSeedOtherOnes(string preconditioner)
    {
        var first = WeightFiles(Train(preconditioner, 1, "first", 20, "--ema", "0.9"));
        var again = WeightFiles(Train(preconditioner, 1, "again", 20, "--ema", "0.9"));
        var other = WeightFiles(Train(preconditioner, 2, "other", 20, "--ema", "0.9"));
        Assert.Equal(first.Keys.Order(), again.Keys.Order());
        foreach (var (file, bytes) in first)
            Assert.True(bytes.AsSpan().SequenceEqual(again[file]), $"{file} differs between two runs with seed 1");
        Assert.False(first[Checkpoint.FieldFile].AsSpan().SequenceEqual(other[Checkpoint.FieldFile]), "seeds 1 and 2 gave the same main flow");
    }

    [Fact]
    public void WithTheFlowPreconditionerTheSeedChoosesTheMainFlowsInitialWeights()
    {
        // The flow preconditioner once reseeded libtorch's global generator, so every seed started the main flow from
        // the same weights. With --lr 1e-30 one AdamW step moves no float32 weight, so the saved weights are the initial
        // ones: they must be those drawn from the seed alone.
        foreach (var seed in new[] { 1L, 2L })
        {
            var model = Train("flow", seed, $"seed{seed}", 1, "--lr", "1e-30");
            var (saved, manifest) = Checkpoint.LoadField(model, CPU, preferEma: false);
            using var generator = new Generator((ulong)seed);
            using var expected = VectorFields.Create(manifest.Model.Field, generator);
            Assert.All(saved.parameters().Zip(expected.parameters()), p => Assert.True(Identical(p.First, p.Second), $"seed {seed}"));
            saved.Dispose();
        }
    }
}
