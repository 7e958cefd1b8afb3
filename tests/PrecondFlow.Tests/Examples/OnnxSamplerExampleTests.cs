using System.Globalization;
using PrecondFlow.Data;
using PrecondFlow.Tests.Cli;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Examples;

/// <summary>examples/OnnxSampler, RK4 with ONNX Runtime alone, draws what `precondflow sample --solver rk4` draws from the
/// same start points, within 1e-4.</summary>
public class OnnxSamplerExampleTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-onnx-sampler-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string In(string name) => Path.Combine(folder, name);

    [Fact]
    public void TheOnnxSamplerMatchesPrecondflowSampleWithTheSameNoise()
    {
        var train = CliRunner.Run("train", "--data", "moons", "--unconditional", "--count", "400", "--steps", "60", "--hidden", "32,32",
            "--out", In("model"));
        Assert.True(train.ExitCode == 0, train.Error);
        var export = CliRunner.Run("export", "--model", In("model"), "--format", "onnx", "--out", In("model.onnx"));
        Assert.True(export.ExitCode == 0, export.Error);
        using (var generator = new Generator(5))
        using (var z = randn(200, 2, generator: generator))
        {
            var values = z.data<float>().ToArray();
            File.WriteAllLines(In("noise.csv"), Enumerable.Range(0, 200).Select(i =>
                $"{values[2 * i].ToString("R", CultureInfo.InvariantCulture)},{values[2 * i + 1].ToString("R", CultureInfo.InvariantCulture)}"));
        }
        var sample = CliRunner.Run("sample", "--model", In("model"), "--from", In("noise.csv"), "--solver", "rk4", "--ode-steps", "20",
            "--out", In("torchsharp.csv"));
        Assert.True(sample.ExitCode == 0, sample.Error);

        Assert.Equal(0, OnnxSampler.Program.Main([In("model.onnx"), In("noise.csv"), "20", In("onnx.csv")]));

        var expected = PointCloudFiles.Read(In("torchsharp.csv"));
        var actual = PointCloudFiles.Read(In("onnx.csv"));
        using var difference = (expected.Points.to(ScalarType.Float64) - actual.Points.to(ScalarType.Float64)).abs().max();
        var largest = difference.item<double>();
        Assert.True(largest < 1e-4, $"the ONNX sampler differs from `precondflow sample` by {largest:E2}");
        // The model moved the points: the comparison is not of two copies of the noise.
        using var moved = (expected.Points.to(ScalarType.Float64) - PointCloudFiles.Read(In("noise.csv")).Points.to(ScalarType.Float64)).abs().max();
        Assert.True(moved.item<double>() > 0.1);
        output.WriteLine($"max |ONNX sampler − precondflow sample| = {largest:E2}");
    }
}
