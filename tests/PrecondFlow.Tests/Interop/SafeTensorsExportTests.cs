using PrecondFlow.Fields;
using PrecondFlow.Interop;
using PrecondFlow.IO;
using PrecondFlow.Pipeline;
using PrecondFlow.Tests.Cli;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Interop;

/// <summary>
/// `export --format safetensors` writes every tensor of a model folder, PrecondFlow reads the main flow back from the
/// file (`train --init`), and bad input gets one line naming the file and the field, a non-zero exit and no output.
/// </summary>
public class SafeTensorsExportTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-export-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Out => Path.Combine(folder, "out");

    [Fact]
    public void TheExportHoldsEveryTensorOfTheFieldTheEmaAndThePreconditioner()
    {
        var (model, file) = ExportedModels.Make(folder, "embedding, whiten+realnvp, ema");
        using var content = SafeTensors.Read(file);
        using var loaded = PreconditionedModel.Load(model, CPU, preferEma: false);
        var fieldNames = loaded.Field.state_dict().Keys.ToArray();
        Assert.All(fieldNames, n => Assert.Contains("field." + n, content.Names));
        Assert.All(fieldNames, n => Assert.Contains("ema." + n, content.Names));
        Assert.Contains("preconditioner.member-0.whitener", content.Names);
        Assert.Contains("preconditioner.member-1.permutations", content.Names);
        Assert.Equal("true", content.Metadata[SafeTensorsModel.EmaKey]);
        Assert.Contains("\"realnvp\"", content.Metadata[SafeTensorsModel.PreconditionerKey]);
    }

    [Fact]
    public void TheFieldReadBackFromTheFileGivesTheSavedFieldsVelocityExactly()
    {
        var (model, file) = ExportedModels.Make(folder, "one-hot, gelu, class-whiten");
        using var scope = NewDisposeScope();
        var (saved, manifest) = Checkpoint.LoadField(model, CPU);
        var (reloaded, spec) = SafeTensorsModel.LoadField(file);
        using (saved)
        using (reloaded)
        {
            Assert.Empty(VectorFields.ConfigOf(reloaded).DifferencesFrom(manifest.Model.Field));
            Assert.Equal(manifest.Model.Path, spec.Path);
            using var generator = new Generator(1);
            var x = randn(32, 2, generator: generator);
            var t = rand(32, 1, generator: generator);
            var labels = randint(0, 8, [32], generator: generator);
            Assert.True(saved.call(x, t, labels).eq(reloaded.call(x, t, labels)).all().item<bool>(), "the reloaded field's velocity differs");
        }
    }

    [Fact]
    public void TrainInitStartsFromTheFilesWeightsAndArchitecture()
    {
        var (_, file) = ExportedModels.Make(folder, "unconditional, raw time, selu, realnvp");
        // One step at a negligible learning rate: the trained weights are the file's.
        var train = CliRunner.Run("train", "--data", "moons", "--count", "300", "--unconditional", "--steps", "1", "--lr", "1e-12",
            "--init", file, "--out", Out);
        Assert.True(train.ExitCode == 0, train.Error);
        using var scope = NewDisposeScope();
        var (trained, manifest) = Checkpoint.LoadField(Out, CPU);
        var (initial, _) = SafeTensorsModel.LoadField(file);
        using (trained)
        using (initial)
        {
            Assert.Equal([16, 16], manifest.Model.Field.HiddenWidths);   // not the command line's default 128,128
            Assert.Equal(TimeEncoding.Raw, manifest.Model.Field.Time);
            foreach (var (name, value) in initial.state_dict())
                Assert.True(value.allclose(trained.state_dict()[name], rtol: 0, atol: 1e-6), $"{name} moved away from the file's weights");
        }
    }

    [Fact]
    public void ExportingAFolderThatIsNotAModelIsRefused()
    {
        var notAModel = Directory.CreateDirectory(Path.Combine(folder, "photos")).FullName;
        var outFile = Path.Combine(folder, "x.safetensors");
        var outcome = CliRunner.Run("export", "--model", notAModel, "--out", outFile);
        AssertRejected(outcome, 2, outFile, "photos", "model.json");
    }

    [Fact]
    public void AnUnknownFormatIsRefusedWithTheKnownOnes()
    {
        var outFile = Path.Combine(folder, "x.bin");
        var outcome = CliRunner.Run("export", "--model", folder, "--format", "pickle", "--out", outFile);
        AssertRejected(outcome, 1, outFile, "pickle", "safetensors");
    }

    [Fact]
    public void AWrongHeaderLengthIsRefusedByTrainInit()
    {
        var (_, file) = ExportedModels.Make(folder, "one-hot, gelu, class-whiten");
        var bytes = File.ReadAllBytes(file);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length * 2);
        File.WriteAllBytes(file, bytes);
        AssertRejected(TrainInit(file), 2, "model.safetensors", "header length");
    }

    [Fact]
    public void AWrongDTypeIsRefusedWithTheTensorsName() =>
        AssertTamperedFileRejected(t => t.Name == "field.network.0.weight" ? (t.Name, t.Value.to(ScalarType.Float64)) : t,
            "tensor 'field.network.0.weight' should be Float32 [16, 27]; found Float64 [16, 27]");

    [Fact]
    public void AWrongShapeIsRefusedWithTheTensorsName() =>
        AssertTamperedFileRejected(t => t.Name == "field.network.2.bias" ? (t.Name, t.Value.narrow(0, 0, 15)) : t,
            "tensor 'field.network.2.bias' should be Float32 [16]; found Float32 [15]");

    [Fact]
    public void AConfigurationThatDoesNotMatchTheTensorsIsRefused() =>
        AssertTamperedFileRejected(t => t, "tensor 'field.network.0.weight' should be Float32 [32, 27]; found Float32 [16, 27]",
            metadata => metadata[SafeTensorsModel.ModelKey] = metadata[SafeTensorsModel.ModelKey].Replace("16,\n      16", "32,\n      32"));

    [Fact]
    public void InitAndResumeTogetherAreRefused()
    {
        var (model, file) = ExportedModels.Make(folder, "one-hot, gelu, class-whiten");
        AssertRejected(CliRunner.Run("train", "--data", "8gaussians", "--count", "300", "--steps", "2", "--init", file, "--resume", model, "--out", Out),
            2, "--init", "--resume");
    }

    /// <summary>Rewrites an exported file with each tensor passed through <paramref name="change"/> (and the metadata through
    /// <paramref name="changeMetadata"/>), then checks that `train --init` refuses it with <paramref name="message"/>.</summary>
    private void AssertTamperedFileRejected(Func<(string Name, Tensor Value), (string Name, Tensor Value)> change, string message,
        Action<Dictionary<string, string>>? changeMetadata = null)
    {
        var (_, file) = ExportedModels.Make(folder, "one-hot, gelu, class-whiten");
        using (var scope = NewDisposeScope())
        {
            using var content = SafeTensors.Read(file);
            var tensors = content.TakeAll().Select(change).ToList();
            var metadata = new Dictionary<string, string>(content.Metadata);
            changeMetadata?.Invoke(metadata);
            SafeTensors.Write(file, tensors, metadata);
        }
        AssertRejected(TrainInit(file), 2, "model.safetensors", message);
    }

    private CliRunner.Outcome TrainInit(string file) =>
        CliRunner.Run("train", "--data", "8gaussians", "--count", "300", "--steps", "2", "--init", file, "--out", Out);

    private void AssertRejected(CliRunner.Outcome outcome, int exitCode, string outputOrFragment, params string[] fragments)
    {
        Assert.Equal(exitCode, outcome.ExitCode);
        foreach (var fragment in fragments.Prepend(outputOrFragment).Where(f => !Path.IsPathRooted(f)))
            Assert.Contains(fragment, outcome.Error);
        if (exitCode == 2)
            Assert.Single(outcome.Error.Trim().Split('\n'));
        Assert.False(Path.Exists(Out), "a failed run must leave no output");
        if (Path.IsPathRooted(outputOrFragment))
            Assert.False(Path.Exists(outputOrFragment), "a failed export must leave no output");
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }
}
