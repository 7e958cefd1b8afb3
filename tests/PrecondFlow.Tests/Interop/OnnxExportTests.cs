using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PrecondFlow.Tests.Cli;
using PrecondFlow.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Interop;

/// <summary>`export --format onnx` writes the main flow's network as an ONNX graph that ONNX Runtime evaluates to
/// TorchSharp's velocity within 1e-5 on fixed inputs, and that onnx.checker accepts.</summary>
public class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-onnx-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static TheoryData<string> Variants => new(ExportedModels.Variants.Keys);

    [Theory, MemberData(nameof(Variants))]
    public void OnnxRuntimeGivesTorchSharpsVelocityWithinOneInHundredThousand(string variant)
    {
        var (model, _) = ExportedModels.Make(folder, variant);
        var file = ExportOnnx(model);
        using var scope = NewDisposeScope();
        var (field, _) = Checkpoint.LoadField(model, CPU);   // the EMA weights when kept, as the export
        using (field)
        using (var generator = new Generator(11))
        {
            const int n = 64;
            var x = 2 * randn(n, 2, generator: generator);
            var t = rand(n, 1, generator: generator);
            var labels = randint(0, Math.Max(1, field.NumClasses), [n], generator: generator);
            using var noGrad = no_grad();
            var expected = field.call(x, t, field.NumClasses > 0 ? labels : null).data<float>().ToArray();

            using var session = new InferenceSession(file);
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x.data<float>().ToArray(), [n, 2])),
                NamedOnnxValue.CreateFromTensor("t", new DenseTensor<float>(t.data<float>().ToArray(), [n, 1])),
            };
            if (field.NumClasses > 0)
                inputs.Add(NamedOnnxValue.CreateFromTensor("labels", new DenseTensor<long>(labels.data<long>().ToArray(), [n])));
            using var results = session.Run(inputs);
            var actual = results.Single(r => r.Name == "output").AsTensor<float>().ToArray();

            var difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"{variant}: max |ONNX Runtime − TorchSharp| = {difference:E2}");
            Assert.True(difference < Tolerance, $"ONNX Runtime differs from TorchSharp by {difference:E2}");
        }
    }

    [Fact]
    public void OnnxCheckerAcceptsTheModel()
    {
        var (model, _) = ExportedModels.Make(folder, "one-hot, gelu, class-whiten");
        var file = ExportOnnx(model);
        var python = PythonInterpreter.WithModule("onnx");
        var check = PythonInterpreter.Run(python, TimeSpan.FromMinutes(2), "-c",
            "import sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); " +
            "print('opset', m.opset_import[0].version)", file);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("opset 17", check.Output);
    }

    [Fact]
    public void ALinearFieldIsRefusedWithoutOutput()
    {
        var model = Path.Combine(folder, "linear");
        var train = CliRunner.Run("train", "--data", "moons", "--count", "300", "--steps", "5", "--field", "linear", "--out", model);
        Assert.True(train.ExitCode == 0, train.Error);
        var file = Path.Combine(folder, "linear.onnx");
        var outcome = CliRunner.Run("export", "--model", model, "--format", "onnx", "--out", file);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("ONNX export writes MLP fields; this model's field is 'linear'", outcome.Error);
        Assert.False(File.Exists(file));
    }

    private string ExportOnnx(string model)
    {
        var file = Path.Combine(folder, "model.onnx");
        var export = CliRunner.Run("export", "--model", model, "--format", "onnx", "--out", file);
        Assert.True(export.ExitCode == 0, export.Error);
        return file;
    }
}
