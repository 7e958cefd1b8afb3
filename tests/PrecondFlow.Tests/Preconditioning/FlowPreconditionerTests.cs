using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Diagnostics;
using PrecondFlow.Paths;
using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

public class FlowPreconditionerTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-flow-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static readonly FlowPreconditionerOptions Quick = new(Steps: 400);

    private static PointCloud Elongated(long n = 4000) =>
        ToyDatasets.Create("elongated-gaussian", n, seed: 1, new ToyDatasetOptions(Kappa: 100), ScalarType.Float64);

    private static FlowPreconditioner Fitted(PointCloud data, FlowPreconditionerOptions? options = null)
    {
        var p = new FlowPreconditioner(data.Dim, options ?? Quick);
        var report = p.Fit(data, seed: 2);
        Assert.True(report.Passed, $"invertibility: {report.Invertibility}");
        return p;
    }

    [Fact]
    public void TheTwoDimensionalDefaultHasAboutTheHundredAndSixtyEightParametersOfThePaper()
    {
        using var p = new FlowPreconditioner(2);
        Assert.InRange(p.ParameterCount, 160, 180);
    }

    [Fact]
    public void InverseUndoesForwardWithinOneThousandthAtDefaultTolerances()
    {
        var data = Elongated();
        using var p = Fitted(data);
        var x = data.Points.slice(0, 0, 500, 1);
        var back = p.Inverse(p.Forward(x).Z);
        double error = ((back - x).norm() / x.norm()).item<double>();
        output.WriteLine($"‖P⁻¹(P(x)) − x‖/‖x‖ = {error:E2}");
        Assert.True(error < 1e-3, $"‖P⁻¹(P(x)) − x‖/‖x‖ = {error:E2}");
    }

    [Fact]
    public void ItsLogDeterminantInTwoDimensionsEqualsTheJacobianOfTheSolverMap()
    {
        var data = Elongated();
        var options = Quick with { Solver = "rk4", SolverSteps = 40 };
        using var p = Fitted(data, options);
        var x = data.Points.slice(0, 0, 8, 1);
        var (_, logDet) = p.Forward(x);
        const double h = 1e-5;
        for (int i = 0; i < 8; i++)
        {
            // Central differences of RK4's map (smooth in x) in float64: accurate to about h² ≈ 1e-10.
            var columns = Enumerable.Range(0, 2).Select(k =>
            {
                var e = zeros(1, 2, dtype: float64);
                e[0, k] = tensor(h, dtype: float64);
                var xi = x[i].unsqueeze(0);
                return ((p.Forward(xi + e).Z - p.Forward(xi - e).Z) / (2 * h))[0];
            }).ToArray();
            var jacobian = stack(columns, dim: 1);
            double exact = linalg.slogdet(jacobian).Item2.item<double>();
            // The continuous change of variables and the Jacobian of RK4's discrete map agree to the solver's error (~1e-6 here).
            output.WriteLine($"point {i}: log-det {logDet[i].item<double>():F8}, finite-difference Jacobian {exact:F8}");
            Assert.True(Math.Abs(exact - logDet[i].item<double>()) < 1e-4, $"point {i}: {logDet[i].item<double>()} vs finite differences {exact}");
        }
    }

    [Fact]
    public void ItsMapsAreDifferentiableInXAndTheirGradientsMatchFiniteDifferences()
    {
        // IPreconditioner's promise: when x requires a gradient the graph is recorded. Checked on P (Forward's Z and
        // Transform) and on P⁻¹ against central differences of the same RK4 map, whose derivative autograd computes exactly.
        var data = Elongated();
        using var p = Fitted(data, Quick with { Solver = "rk4", SolverSteps = 20 });
        var x = data.Points.slice(0, 0, 6, 1).clone();
        using var g = new Generator(3);
        var w = randn(new long[] { 6, 2 }, dtype: float64, generator: g);   // a random linear functional ⟨w, map(x)⟩
        var maps = new (string Name, Func<Tensor, Tensor> Map)[]
        {
            ("Forward", v => p.Forward(v).Z),
            ("Transform", v => p.Transform(v)),
            ("Inverse", v => p.Inverse(v)),
        };
        const double h = 1e-5;
        foreach (var (name, map) in maps)
        {
            var input = x.clone().requires_grad_(true);
            (map(input) * w).sum().backward();
            Assert.False(input.grad is null, $"{name}: no gradient reached x");
            var gradient = input.grad!.clone();
            var numeric = zeros_like(x);
            using (no_grad())
            {
                for (int k = 0; k < 2; k++)
                {
                    var e = zeros_like(x);
                    e[TensorIndex.Colon, k] = tensor(h, dtype: float64);
                    // Rows are independent, so one perturbed batch gives column k of every row's gradient.
                    numeric[TensorIndex.Colon, k] = ((map(x + e) - map(x - e)) * w).sum(1) / (2 * h);
                }
            }
            double error = ((gradient - numeric).norm() / numeric.norm()).item<double>();
            output.WriteLine($"{name}: relative difference between autograd and finite differences {error:E2}");
            // Central differences in float64 are accurate to about h² ≈ 1e-10 plus rounding ε/h ≈ 1e-11 relative.
            Assert.True(error < 1e-6, $"{name}: relative difference {error:E2}");
        }
    }

    [Fact]
    public void AboveEightDimensionsItsLogDeterminantIsAnEstimateWithinItsStatedError()
    {
        using var g = new Generator(3);
        var data = new PointCloud(randn(new long[] { 3000, 10 }, dtype: float64, generator: g) * linspace(0.2, 2, 10, dtype: float64));
        var exactOptions = Quick with { Steps = 200, Solver = "rk4", SolverSteps = 20, ExactLogDetUpToDimension = 10 };
        var estimateOptions = exactOptions with { ExactLogDetUpToDimension = 8, HutchinsonProbes = 64 };
        using var exact = Fitted(data, exactOptions);
        exact.Save(folder);
        var description = System.IO.File.ReadAllText(Path.Combine(folder, "preconditioner.json"))
            .Replace("\"exact_log_det_up_to_dimension\": 10", "\"exact_log_det_up_to_dimension\": 8")
            .Replace("\"hutchinson_probes\": 8", "\"hutchinson_probes\": 64");
        System.IO.File.WriteAllText(Path.Combine(folder, "preconditioner.json"), description);
        using var estimating = (FlowPreconditioner)Preconditioners.Load(folder);
        Assert.True(exact.HasExactLogDet);
        Assert.False(estimating.HasExactLogDet);

        var x = data.Points.slice(0, 0, 50, 1);
        var truth = exact.Forward(x).LogAbsDet;
        var estimate = estimating.Forward(x).LogAbsDet;
        var error = estimating.LastLogDetStandardError!;
        var z = ((estimate - truth) / error).abs();
        // Within 4 standard errors for (almost) every point: the stated error is honest.
        output.WriteLine($"Hutchinson log-det: fraction within 4 SE {(z < 4).to(float64).mean().item<double>():F3}, largest |error|/SE {z.max().item<double>():F2}, mean SE {error.mean().item<double>():E2}");
        Assert.True((z < 4).to(float64).mean().item<double>() > 0.95, $"largest |error|/SE = {z.max().item<double>():F2}");
    }

    [Fact]
    public void TrainedOnAnElongatedGaussianItReducesTheConditionNumberTenfold()
    {
        var data = Elongated();
        using var p = Fitted(data, Quick with { Steps = 1000 });
        var kappaData = ConditioningAnalysis.Exact(data.Points, AffinePath.FromName("linear"), new[] { 1.0 }).Kappa[0];
        var z = p.Forward(data.Points).Z;
        var kappaZ = ConditioningAnalysis.Exact(z, AffinePath.FromName("linear"), new[] { 1.0 }).Kappa[0];
        output.WriteLine($"κ(data) = {kappaData:F1}, κ(P(x)) = {kappaZ:F2}");
        Assert.True(kappaZ < kappaData / 10, $"κ(data) = {kappaData:F1}, κ(P(x)) = {kappaZ:F2}");
    }

    [Fact]
    public void ItSavesAndLoadsToTheSameMap()
    {
        var data = Elongated(1000);
        using var p = Fitted(data, Quick with { Steps = 100 });
        p.Save(folder);
        using var loaded = Preconditioners.Load(folder);
        var x = data.Points.slice(0, 0, 20, 1);
        Assert.True(p.Forward(x).Z.allclose(loaded.Forward(x).Z, rtol: 0, atol: 0));
    }

    [Fact]
    public void AnUntrainedFlowPreconditionerRefusesToRun()
    {
        using var p = new FlowPreconditioner(2);
        var error = Assert.Throws<InvalidOperationException>(() => p.Forward(zeros(3, 2)));
        Assert.Contains("not trained", error.Message);
    }
}
