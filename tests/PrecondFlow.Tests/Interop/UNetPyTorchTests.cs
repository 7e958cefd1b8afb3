using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Interop;
using PrecondFlow.IO;
using PrecondFlow.Tests.Fields;
using PrecondFlow.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Interop;

/// <summary>
/// interop/python/precondflow_torch.py rebuilds an exported UNet (trained and EMA weights) in PyTorch: on the same inputs
/// it gives TorchSharp's outputs within 1e-5 of the largest output. float32 resolves about 1e-7 of a value, and the two
/// libtorch versions sum the convolutions and the attention in different orders over some fifty layers.
/// </summary>
public class UNetPyTorchTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-unet-pytorch-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void PyTorchRebuildsTheUNetWithinOneInHundredThousand()
    {
        var modelFolder = Path.Combine(folder, "model");
        var config = UNetVectorFieldTests.Tiny;
        using (var generator = new Generator(3))
        using (var trainer = new FlowTrainer(VectorFields.Create(config, generator), new ModelSpec(config),
                   new TrainingOptions(Steps: 3, BatchSize: 8, EmaDecay: 0.5, LogEvery: 1, Seed: 1)))
        {
            using var g = new Generator(2);
            trainer.Train(new PointCloud(randn(new long[] { 40, 64 }, generator: g), randint(3, new long[] { 40 }, generator: g), 3));
            trainer.SaveCheckpoint(modelFolder);
        }
        var file = Path.Combine(folder, "model.safetensors");
        SafeTensorsExport.Write(modelFolder, file);

        using var scope = NewDisposeScope();
        using var inputsGenerator = new Generator(7);
        // Every time, every class and the null label.
        var x = randn(new long[] { 16, 64 }, generator: inputsGenerator);
        var t = rand(new long[] { 16, 1 }, generator: inputsGenerator);
        var labels = randint(0, config.NumClasses + 1, new long[] { 16 }, generator: inputsGenerator);
        var inputs = Path.Combine(folder, "inputs.safetensors");
        var outputs = Path.Combine(folder, "outputs.safetensors");
        SafeTensors.Write(inputs, [("x", x), ("t", t), ("labels", labels)], new Dictionary<string, string>());

        var python = PythonInterpreter.WithModule("torch");
        var script = Path.Combine(PythonInterpreter.RepositoryRoot(), "interop", "python", "precondflow_torch.py");
        var run = PythonInterpreter.Run(python, TimeSpan.FromMinutes(2), script, file, inputs, outputs);
        Assert.True(run.ExitCode == 0, run.Output);

        using var fromPyTorch = SafeTensors.Read(outputs);
        using var trained = Checkpoint.LoadField(modelFolder, CPU, preferEma: false).Field;
        using var ema = Checkpoint.LoadField(modelFolder, CPU, preferEma: true).Field;
        using var _ = no_grad();
        foreach (var (name, field) in new[] { ("field", trained), ("ema", ema) })
        {
            var ours = field.call(x, t, labels);
            var theirs = fromPyTorch.Take(name, ours.dtype, ours.shape);
            var relative = ((theirs - ours).abs().max() / ours.abs().max()).item<float>();
            output.WriteLine($"{name}: max |PyTorch − TorchSharp| / max |TorchSharp| = {relative:E2}");
            Assert.True(relative < Tolerance, $"{name}: PyTorch differs from TorchSharp by {relative:E2} of the largest output");
        }
    }
}
