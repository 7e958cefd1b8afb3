using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PrecondFlow.Interop;
using PrecondFlow.Preconditioning;
using PrecondFlow.Tests.Cli;
using PrecondFlow.Tests.Preconditioning;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace PrecondFlow.Tests.Interop;

/// <summary>`export --format onnx --graph preconditioner | inverse-preconditioner` writes P and P⁻¹ as ONNX graphs that
/// ONNX Runtime evaluates to TorchSharp's z, log_det and x on fixed inputs, for every kind that is a plain tensor graph;
/// the flow preconditioner is refused with a reason.</summary>
public class PreconditionerOnnxExportTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// Both sides compute in float32 with the same weights, so they differ only by float32 rounding in a different order
    /// of operations: ~1e-7 times the size of the values. Whitening data whose class means lie at 3·N(0, 1) and RealNVP
    /// log-dets summed over couplings reach values of 10 and more, where one float32 ulp alone is ~1e-6; so the bound is
    /// 1e-5 absolute for values up to 1 and 1e-5 relative above, |onnx − torch| ≤ 1e-5·max(1, |torch|).
    /// </summary>
    private const double Tolerance = 1e-5;
    private const int Dim = 3;
    private const int Count = 64;
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-onnx-p-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static TheoryData<string> Kinds =>
        new("identity", "whiten", "class-whiten", "realnvp", "realnvp-conditional", "whiten+realnvp",
            "whiten+realnvp-conditional", "class-whiten+realnvp");

    [Theory, MemberData(nameof(Kinds))]
    public void OnnxRuntimeGivesTorchSharpsPAndItsInverseWithinOneInHundredThousand(string kind)
    {
        using var p = Fitted(kind);
        var forwardFile = Path.Combine(folder, "p.onnx");
        var inverseFile = Path.Combine(folder, "p-inverse.onnx");
        OnnxExport.WritePreconditioner(p, forwardFile);
        OnnxExport.WritePreconditioner(p, inverseFile, inverse: true);

        using var scope = NewDisposeScope();
        var data = PreconditionerCases.LabelledGaussians(Count, Dim, seed: 5);
        var x = data.Points.to(ScalarType.Float32);
        var labels = data.Labels!;
        using var generator = new Generator(13);
        var z = randn(Count, Dim, generator: generator);   // P⁻¹ from N(0, I) points, as sampling uses it
        using var noGrad = no_grad();
        var (expectedZ, expectedLogDet) = p.Forward(x, labels);
        var expectedX = p.Inverse(z, labels);

        var forward = Run(forwardFile, "x", x, p.IsConditional ? labels : null);
        var inverse = Run(inverseFile, "z", z, p.IsConditional ? labels : null);
        Assert.Equal(p.IsConditional ? 2 : 1, InputCount(forwardFile));

        var dz = Difference(forward["z"], expectedZ);
        var dLogDet = Difference(forward["log_det"], expectedLogDet);
        var dx = Difference(inverse["x"], expectedX);
        output.WriteLine($"{kind}: max |ONNX Runtime − TorchSharp| z {dz.Absolute:E2} (scaled {dz.Scaled:E2}), " +
            $"log_det {dLogDet.Absolute:E2} (scaled {dLogDet.Scaled:E2}), P⁻¹ {dx.Absolute:E2} (scaled {dx.Scaled:E2})");
        Assert.True(dz.Scaled < Tolerance, $"z differs by {dz.Scaled:E2}");
        Assert.True(dLogDet.Scaled < Tolerance, $"log_det differs by {dLogDet.Scaled:E2}");
        Assert.True(dx.Scaled < Tolerance, $"P⁻¹ differs by {dx.Scaled:E2}");
        // The comparison means something only if P is not the identity (except for the identity itself).
        if (kind != "identity")
            Assert.True(Difference(expectedZ, x).Absolute > 0.1, "P is (nearly) the identity: the test would prove little");
    }

    [Fact]
    public void OnnxCheckerAcceptsEveryKind()
    {
        var python = PythonInterpreter.WithModule("onnx");
        var files = new List<string>();
        foreach (var kind in new[] { "identity", "whiten", "class-whiten", "realnvp", "realnvp-conditional", "whiten+realnvp" })
        {
            using var p = Fitted(kind);
            foreach (var inverse in new[] { false, true })
            {
                var file = Path.Combine(folder, $"{kind}{(inverse ? "-inverse" : "")}.onnx");
                OnnxExport.WritePreconditioner(p, file, inverse);
                files.Add(file);
            }
        }
        var check = PythonInterpreter.Run(python, TimeSpan.FromMinutes(2), [
            "-c",
            "import sys, onnx\n" +
            "for f in sys.argv[1:]:\n" +
            "    m = onnx.load(f); onnx.checker.check_model(m, full_check=True)\n" +
            "    print(f.split('/')[-1], 'opset', m.opset_import[0].version, [o.name for o in m.graph.output])",
            .. files]);
        output.WriteLine(check.Output);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Equal(files.Count, check.Output.Split('\n').Count(line => line.Contains("opset 17")));
    }

    [Fact]
    public void TheFlowPreconditionerIsRefusedWithTheReasonAndWithoutOutput()
    {
        using var flow = PreconditionerCases.Fitted("flow", Dim);
        using var chain = new PreconditionerChain(new IdentityPreconditioner(Dim), new FlowPreconditioner(Dim));
        foreach (var p in new IPreconditioner[] { flow, chain })
        {
            var file = Path.Combine(folder, "flow.onnx");
            var e = Assert.Throws<ArgumentException>(() => OnnxExport.WritePreconditioner(p, file));
            Assert.Contains("solve an ODE", e.Message);
            Assert.Contains("--format safetensors", e.Message);
            Assert.False(File.Exists(file));
        }
    }

    [Fact]
    public void TheCommandLineRefusesAFlowPreconditionerInOneLine()
    {
        var model = Path.Combine(folder, "flow");
        var train = CliRunner.Run("train", "--data", "moons", "--count", "300", "--steps", "5", "--hidden", "8",
            "--preconditioner", "flow", "--flow-steps", "5", "--out", model);
        Assert.True(train.ExitCode == 0, train.Error);
        var file = Path.Combine(folder, "flow.onnx");
        var outcome = CliRunner.Run("export", "--model", model, "--format", "onnx", "--graph", "inverse-preconditioner", "--out", file);
        output.WriteLine(outcome.Error);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Single(outcome.Error.Trim().Split('\n'));
        Assert.Contains("the flow preconditioner has no ONNX graph", outcome.Error);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void TheCommandLineWritesPAndItsInverseOfAModelFolder()
    {
        var (model, _) = ExportedModels.Make(folder, "embedding, whiten+realnvp, ema");
        var forwardFile = Path.Combine(folder, "p.onnx");
        var inverseFile = Path.Combine(folder, "p-inverse.onnx");
        foreach (var (graph, file) in new[] { ("preconditioner", forwardFile), ("inverse-preconditioner", inverseFile) })
        {
            var export = CliRunner.Run("export", "--model", model, "--format", "onnx", "--graph", graph, "--out", file);
            Assert.True(export.ExitCode == 0, export.Error);
        }
        using var scope = NewDisposeScope();
        using var loaded = PrecondFlow.Pipeline.PreconditionedModel.Load(model, CPU);
        var p = loaded.Preconditioner;
        var data = PreconditionerCases.LabelledGaussians(Count, 2, seed: 7);
        var x = data.Points.to(ScalarType.Float32);
        var labels = data.Labels!;   // classes 0–2 of the 8 Gaussians
        using var noGrad = no_grad();
        var (z, logDet) = p.Forward(x, labels);
        var forward = Run(forwardFile, "x", x, p.IsConditional ? labels : null);
        var back = Run(inverseFile, "z", z, p.IsConditional ? labels : null);
        var dz = Difference(forward["z"], z);
        var dLogDet = Difference(forward["log_det"], logDet);
        var dx = Difference(back["x"], p.Inverse(z, labels));
        output.WriteLine($"model folder ({p.Name}, conditional: {p.IsConditional}): z {dz.Scaled:E2}, log_det {dLogDet.Scaled:E2}, " +
            $"P⁻¹ {dx.Scaled:E2} (scaled differences)");
        Assert.True(Math.Max(dz.Scaled, Math.Max(dLogDet.Scaled, dx.Scaled)) < Tolerance);
    }

    [Fact]
    public void GraphIsRefusedForSafeTensors()
    {
        var (model, _) = ExportedModels.Make(folder, "one-hot, gelu, class-whiten");
        var file = Path.Combine(folder, "p.safetensors");
        var outcome = CliRunner.Run("export", "--model", model, "--graph", "preconditioner", "--out", file);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--graph preconditioner applies to --format onnx", outcome.Error);
        Assert.False(File.Exists(file));
    }

    /// <summary>A fitted map of <paramref name="kind"/> in <see cref="Dim"/> dimensions; chains not in
    /// <see cref="PreconditionerCases"/> are fitted here on the same data.</summary>
    private static IPreconditioner Fitted(string kind)
    {
        const int classes = PreconditionerCases.NumClasses;
        IFittablePreconditioner? chain = kind switch
        {
            "whiten+realnvp" => new PreconditionerChain(new AffineWhitening(Dim), new RealNvp(Dim, PreconditionerCases.QuickRealNvp)),
            "whiten+realnvp-conditional" =>
                new PreconditionerChain(new AffineWhitening(Dim), new RealNvp(Dim, PreconditionerCases.QuickRealNvp, classes)),
            _ => null,
        };
        if (chain is null)   // PreconditionerCases' "chain" is class-whiten+realnvp
            return PreconditionerCases.Fitted(kind == "class-whiten+realnvp" ? "chain" : kind, Dim);
        var report = chain.Fit(PreconditionerCases.LabelledGaussians(3000, Dim, seed: 1), seed: 1);
        Assert.True(report.Passed, $"{kind} failed its invertibility check");
        return chain;
    }

    private static Dictionary<string, Tensor> Run(string file, string inputName, Tensor input, Tensor? labels)
    {
        using var session = new InferenceSession(file);
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(inputName,
                new DenseTensor<float>(input.contiguous().data<float>().ToArray(), input.shape.Select(d => (int)d).ToArray())),
        };
        if (labels is not null)
            inputs.Add(NamedOnnxValue.CreateFromTensor("labels", new DenseTensor<long>(labels.data<long>().ToArray(), [(int)labels.shape[0]])));
        using var results = session.Run(inputs);
        return results.ToDictionary(r => r.Name, r =>
        {
            var value = r.AsTensor<float>();
            return tensor(value.ToArray(), value.Dimensions.ToArray().Select(d => (long)d).ToArray());
        });
    }

    private static int InputCount(string file)
    {
        using var session = new InferenceSession(file);
        return session.InputMetadata.Count;
    }

    /// <summary>The largest |a − b| and the largest |a − b| / max(1, |b|).</summary>
    private static (double Absolute, double Scaled) Difference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(b.shape, a.shape);
        var gap = (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs();
        var scaled = gap / b.to(ScalarType.Float64).abs().clamp_min(1);
        return (gap.max().item<double>(), scaled.max().item<double>());
    }
}
