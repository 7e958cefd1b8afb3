using System.Text.Json.Nodes;
using PrecondFlow.Cli.Console;
using PrecondFlow.Data.Toy;
using PrecondFlow.IO;
using PrecondFlow.Pipeline;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Cli;

/// <summary>
/// Failures a user can run into without any bug in PrecondFlow (a model whose weights are NaN or overflow, a size that
/// cannot fit in memory, a full disk) end with one line that names the input and says what to do, exit code 2, and no
/// output; the stack trace appears only under --verbose.
/// </summary>
public sealed class ForeseeableFailureTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-failures-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Samples => Path.Combine(root, "samples.csv");

    /// <summary>A model folder in the current format: the 0.1.0 fixture reopened and saved again.</summary>
    private string SavedModel()
    {
        var folder = Path.Combine(root, "model");
        var data = ToyDatasets.Create("swiss-roll", 256, seed: 1);
        using var model = PreconditionedModel.Resume(Path.Combine(AppContext.BaseDirectory, "Fixtures", "v0.1.0", "model"), data, CPU);
        model.Save(folder);
        return folder;
    }

    /// <summary>Multiplies the first weight matrix of the field and of its EMA by <paramref name="factor"/> and records
    /// the new checksums, as a run that diverged would have saved them: the bytes are intact, the numbers are not.</summary>
    private static void ScaleWeights(string folder, float factor)
    {
        foreach (var name in new[] { Checkpoint.FieldFile, Checkpoint.EmaFile })
        {
            var file = Path.Combine(folder, name);
            var (field, _) = Checkpoint.LoadField(folder, CPU, preferEma: name == Checkpoint.EmaFile);
            using (field)
            {
                using (no_grad())
                {
                    var first = field.parameters().First();
                    first.mul_(factor);
                }
                field.save(file);
            }
            var manifest = Path.Combine(folder, Checkpoint.ManifestFile);
            var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
            json["files"]![name] = FolderManifest.Sha256(file);
            File.WriteAllText(manifest, json.ToJsonString());
        }
    }

    private void AssertOneLineAndNoOutput(CliRunner.Outcome outcome, params string[] fragments)
    {
        Assert.Equal(2, outcome.ExitCode);
        Assert.Single(outcome.Error.Trim().Split('\n'));
        foreach (var fragment in fragments)
            Assert.Contains(fragment, outcome.Error);
        Assert.False(File.Exists(Samples), "a failed run must write no samples");
        Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void AModelWithNaNWeightsIsRefusedAtLoadNamingTheFolder()
    {
        var folder = SavedModel();
        ScaleWeights(folder, float.NaN);
        var outcome = CliRunner.Run("sample", "--model", folder, "--count", "100", "--out", Samples);
        AssertOneLineAndNoOutput(outcome, Path.Combine(folder, Checkpoint.EmaFile), "NaN or infinite", "train it again");
    }

    [Fact]
    public void AnInfiniteWeightIsRefusedAsWellAndSoIsResumingFromIt()
    {
        var folder = SavedModel();
        ScaleWeights(folder, float.PositiveInfinity);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(folder, CPU).Dispose());
        Assert.Contains(Path.Combine(folder, Checkpoint.FieldFile), e.Message);
    }

    [Fact]
    public void ASolverFailureIsOneLineWithAHintNotAnInternalError()
    {
        // Finite weights whose products overflow float32: the checks at load pass, the dynamics are infinite.
        var folder = SavedModel();
        ScaleWeights(folder, 1e30f);
        var outcome = CliRunner.Run("sample", "--model", folder, "--count", "100", "--out", Samples);
        AssertOneLineAndNoOutput(outcome, "the solver stopped", "NaN or infinite", "re-train");
    }

    [Fact]
    public void VerboseAddsTheStackTrace()
    {
        var folder = SavedModel();
        ScaleWeights(folder, 1e30f);
        var outcome = CliRunner.Run("sample", "--model", folder, "--count", "100", "--out", Samples, "--verbose");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("the solver stopped", outcome.Error);
        Assert.Contains("   at PrecondFlow.", outcome.Error);
        Assert.False(File.Exists(Samples));
    }

    [Fact]
    public void ACountThatCannotFitInMemoryIsRefusedBeforeSampling()
    {
        // 2³¹ − 1 points of dimension 2 need at least 4 copies × 8 bytes each: 64 GiB, more than a test machine has free.
        var folder = SavedModel();
        var outcome = CliRunner.Run("sample", "--model", folder, "--count", int.MaxValue.ToString(), "--out", Samples);
        AssertOneLineAndNoOutput(outcome, "--count 2147483647 needs at least", "Lower --count");
    }

    [Fact]
    public void ABatchSizeThatCannotFitInMemoryIsRefusedBeforeTraining()
    {
        var output = Path.Combine(root, "trained");
        var outcome = CliRunner.Run("train", "--data", "moons", "--count", "500", "--steps", "2", "--batch-size",
            int.MaxValue.ToString(), "--out", output);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("Lower --batch-size", outcome.Error);
        Assert.Single(outcome.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AFullDiskIsAUserErrorThatSaysSo()
    {
        // No file system can be filled on demand in a test; the IOException .NET raises for ENOSPC carries errno 28.
        var outcome = Capture(() => CommandRunner.Run(() => throw new IOException("Cannot write '/data/model': No space left on device", 28)));
        Assert.Equal(2, outcome.Code);
        Assert.Contains("Cannot write '/data/model'", outcome.Error);
        Assert.Contains("The disk is full", outcome.Error);
    }

    [Fact]
    public void AnInternalErrorIsOneLineUnlessVerbose()
    {
        var quiet = Capture(() => CommandRunner.Run(() => throw new NullReferenceException("boom")));
        Assert.Equal(CommandRunner.InternalError, quiet.Code);
        Assert.Single(quiet.Error.Trim().Split('\n'));
        Assert.Contains("--verbose", quiet.Error);
        CommandRunner.Verbose = true;
        try
        {
            var loud = Capture(() => CommandRunner.Run(() => throw new NullReferenceException("boom")));
            Assert.Contains("   at ", loud.Error);
        }
        finally
        {
            CommandRunner.Verbose = false;
        }
    }

    private static (int Code, string Error) Capture(Func<int> run)
    {
        var original = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            return (run(), error.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
