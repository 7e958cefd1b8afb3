using PrecondFlow.IO;
using PrecondFlow.Pipeline;
using PrecondFlow.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Interop;

/// <summary>
/// interop/python/precondflow_torch.py rebuilds an exported model in PyTorch: on the same fixed inputs its main-flow
/// network (trained and EMA weights), P and P⁻¹ give TorchSharp's numbers within 1e-5 (absolute up to 1, relative
/// beyond: float32 itself resolves only about 1e-7 of a value, and RealNVP's outputs reach ten).
/// </summary>
public class PyTorchModuleTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-pytorch-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static TheoryData<string> Variants => new(ExportedModels.Variants.Keys);

    [Theory, MemberData(nameof(Variants))]
    public void PyTorchRebuildsTheFieldAndThePreconditionerWithinOneInHundredThousand(string variant)
    {
        var (modelFolder, file) = ExportedModels.Make(folder, variant);
        using var scope = NewDisposeScope();
        using var model = PreconditionedModel.Load(modelFolder, CPU, preferEma: false);
        using var generator = new Generator(7);
        // Inputs spread over the data's range and every time; labels over every class.
        var x = 2 * randn(64, 2, generator: generator);
        var t = rand(64, 1, generator: generator);
        var labels = randint(0, Math.Max(1, model.NumClasses), [64], generator: generator);
        var inputs = Path.Combine(folder, "inputs.safetensors");
        var outputs = Path.Combine(folder, "outputs.safetensors");
        SafeTensors.Write(inputs, [("x", x), ("t", t), ("labels", labels)], new Dictionary<string, string>());

        var python = PythonInterpreter.WithModule("torch");
        var script = Path.Combine(PythonInterpreter.RepositoryRoot(), "interop", "python", "precondflow_torch.py");
        var run = PythonInterpreter.Run(python, TimeSpan.FromMinutes(2), script, file, inputs, outputs);
        Assert.True(run.ExitCode == 0, run.Output);

        using var fromPyTorch = SafeTensors.Read(outputs);
        var fieldLabels = model.Field.NumClasses > 0 ? labels : null;
        var pLabels = model.Preconditioner.IsConditional ? labels : null;
        using (no_grad())
        {
            var (z, logDet) = model.Preconditioner.Forward(x, pLabels);
            var expected = new List<(string Name, Tensor Value)>
            {
                ("field", model.Field.call(x, t, fieldLabels)),
                ("p_forward", z),
                ("p_log_det", logDet),
                ("p_inverse", model.Preconditioner.Inverse(x, pLabels)),
            };
            if (Checkpoint.ReadManifest(modelFolder).Training.EmaDecay is not null)
            {
                using var ema = Checkpoint.LoadField(modelFolder, CPU, preferEma: true).Field;
                expected.Add(("ema", ema.call(x, t, fieldLabels)));
            }
            foreach (var (name, value) in expected)
            {
                var theirs = fromPyTorch.Take(name, value.dtype, value.shape);
                var difference = (theirs - value).abs().max().item<float>();
                var scaled = ((theirs - value).abs() / value.abs().clamp_min(1)).max().item<float>();
                output.WriteLine($"{variant}: {name} max |PyTorch − TorchSharp| = {difference:E2}, scaled by max(1, |value|) = {scaled:E2}");
                Assert.True(scaled < Tolerance, $"{name}: PyTorch differs from TorchSharp by {scaled:E2} of max(1, |value|)");
            }
        }
    }
}
