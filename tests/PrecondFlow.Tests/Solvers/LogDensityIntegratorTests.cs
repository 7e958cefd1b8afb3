using PrecondFlow.Solvers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Solvers;

public class LogDensityIntegratorTests(ITestOutputHelper output)
{
    /// <summary>log N(x; 0, Σ) per row, in float64.</summary>
    private static Tensor GaussianLogDensity(Tensor x, Tensor covariance)
    {
        var dim = x.shape[1];
        var solved = torch.linalg.solve(covariance, x.t()).t();
        var (_, logDet) = torch.linalg.slogdet(covariance);
        return -0.5 * (x * solved).sum(1) - 0.5 * logDet - 0.5 * dim * Math.Log(2 * Math.PI);
    }

    public static TheoryData<string> ExactSolvers => new() { "rk4", "dopri5" };

    [Theory, MemberData(nameof(ExactSolvers))]
    public void ALinearFlowPushesTheStandardNormalToTheExactGaussian(string solverName)
    {
        using var scope = torch.NewDisposeScope();
        // v(x, t) = A x carries N(0, I) at t = 0 to N(0, e^A e^{Aᵀ}) at t = 1.
        var a = LinearTestSystem.Matrix();
        var flowMap = torch.linalg.matrix_exp(a);
        var covariance = flowMap.matmul(flowMap.t());
        var x = LinearTestSystem.StartPoints(batch: 8, seed: 3).matmul(flowMap.t());
        var solver = OdeSolvers.Create(solverName, steps: 200, new AdaptiveOptions(1e-10, 1e-10));
        var integrator = new LogDensityIntegrator(solver, new LogDensityOptions(DivergenceMethod.Exact));

        var result = integrator.Integrate(LinearTestSystem.Field(a), x, tFrom: 1, tTo: 0);
        var logDensity = result.LogDensityAtStart();

        var exact = GaussianLogDensity(x, covariance);
        var error = (logDensity - exact).abs().max().item<double>();
        output.WriteLine($"{solverName}: max |log p − exact| = {error:E3} with {result.FunctionEvaluations} evaluations");
        // RK4 at h = 1/200 errs by about 1e-10 in z, dopri5 by a small multiple of 1e-10; 1e-6 is the
        // required accuracy, far below the O(1) error of a wrong sign (2·tr A = −4).
        Assert.True(error < 1e-6, $"max error {error:E3}");
        // Along the way back, ∫_1^0 tr A dt = −tr A = 2 for every sample.
        Assert.True(result.IntegratedDivergence.allclose(torch.full(8, 2.0, dtype: ScalarType.Float64), rtol: 0, atol: 1e-8));
        Assert.Null(result.StandardError);
        Assert.Equal(DivergenceMethod.Exact, result.Method);
    }

    [Fact]
    public void TheIntegratedDivergenceIsTheLogDeterminantOfTheFlowMap()
    {
        using var scope = torch.NewDisposeScope();
        // A nonlinear, time-dependent field in 2D, and the Jacobian of the RK4 flow map by autograd.
        var w = torch.tensor(new[,] { { 0.8, -1.5 }, { 1.2, 0.4 } });
        Dynamics v = (x, t) => torch.tanh(x.matmul(w)) * (1 + t) - 0.5 * x.square() * x;
        var x0 = LinearTestSystem.StartPoints(batch: 3)[.., ..2].contiguous();
        var solver = new Rk4Solver(100);

        var result = new LogDensityIntegrator(solver).Integrate(v, x0, 0, 1);

        var input = x0.detach().requires_grad_(true);
        var mapped = solver.Integrate(v, input, 0, 1).Final;
        var rows = Enumerable.Range(0, 2)
            .Select(i => torch.autograd.grad(new[] { mapped[.., i].sum() }, new[] { input }, retain_graph: i == 0)[0])
            .ToArray();
        var jacobian = torch.stack(rows, 1);
        var (_, logAbsDet) = torch.linalg.slogdet(jacobian);

        var error = (result.IntegratedDivergence - logAbsDet).abs().max().item<double>();
        output.WriteLine($"max |∫∇·v dt − log|det ∂Φ/∂x|| = {error:E3}");
        // Both are O(h⁴) approximations of the same exact log-determinant at h = 1/100.
        Assert.True(error < 1e-6, $"max error {error:E3}");
        Assert.True(result.Final.allclose(mapped.detach(), rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void IntegratingBackwardsNegatesTheIntegratedDivergence()
    {
        using var scope = torch.NewDisposeScope();
        var w = torch.tensor(new[,] { { 0.8, -1.5 }, { 1.2, 0.4 } });
        Dynamics v = (x, t) => torch.tanh(x.matmul(w)) * (1 + t);
        var x0 = LinearTestSystem.StartPoints(batch: 5)[.., ..2].contiguous();
        var integrator = new LogDensityIntegrator(new Rk4Solver(100));

        var forward = integrator.Integrate(v, x0, 0, 1);
        var backward = integrator.Integrate(v, forward.Final, 1, 0);

        // The backward leg retraces the forward one up to O(h⁴).
        Assert.True(backward.Final.allclose(x0, rtol: 0, atol: 1e-7));
        Assert.True(backward.IntegratedDivergence.allclose(-forward.IntegratedDivergence, rtol: 0, atol: 1e-7));
    }

    [Fact]
    public void HutchinsonProbesAreUnbiasedAndTheirStandardErrorHasTheRightScale()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        const int samples = 1000, probes = 16;
        var x = LinearTestSystem.StartPoints(batch: samples);
        var options = new LogDensityOptions(DivergenceMethod.Hutchinson, probes, Seed: 4, ProbeDistribution.Gaussian);
        var integrator = new LogDensityIntegrator(new Rk4Solver(20), options);

        var result = integrator.Integrate(LinearTestSystem.Field(a), x, 1, 0);

        // For a linear field each probe contributes ∫_1^0 εᵀAε dt = εᵀSε with S = −(A + Aᵀ)/2, which RK4
        // integrates exactly. For Gaussian ε: mean tr S = 2, variance σ² = 2‖S‖²_F = 3.32.
        var s = -0.5 * (a + a.t());
        var variance = 2 * s.square().sum().item<double>();
        var mean = result.IntegratedDivergence.mean().item<double>();
        var meanSquaredError = result.StandardError!.square().mean().item<double>();
        output.WriteLine($"mean {mean:F4} (exact 2); mean SE² {meanSquaredError:F5} (exact σ²/K = {variance / probes:F5})");
        Assert.Equal(DivergenceMethod.Hutchinson, result.Method);
        // The grand mean of n·K independent estimates has standard deviation σ/√(nK) ≈ 0.014: 4 of them.
        Assert.InRange(mean, 2 - 4 * Math.Sqrt(variance / (samples * probes)), 2 + 4 * Math.Sqrt(variance / (samples * probes)));
        // SE² = s²/K with s² the unbiased probe variance, so E[SE²] = σ²/K exactly. Per sample, s² has a
        // relative spread √(2/(K−1) + κ/K) ≈ 0.77, κ = 12Σλ⁴/(Σλ²)² ≈ 7.4 the excess kurtosis of εᵀSε
        // (eigenvalues of S 0.37, 0.5, 1.13); averaged over 1000 samples that is ≈ 2.4%, so ±15% is
        // about 6 standard deviations, while a wrong scale (√K missing, or K − 1 vs K) fails it.
        Assert.InRange(meanSquaredError / (variance / probes), 0.85, 1.15);
    }

    [Fact]
    public void OnlyTheResultsOutliveTheIntegration()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x = LinearTestSystem.StartPoints();
        var before = scope.DisposablesCount;

        new LogDensityIntegrator(new Rk4Solver(10)).Integrate(LinearTestSystem.Field(a), x, 0, 1);
        Assert.Equal(before + 2, scope.DisposablesCount);

        new LogDensityIntegrator(new DormandPrinceSolver(), new LogDensityOptions(DivergenceMethod.Hutchinson))
            .Integrate(LinearTestSystem.Field(a), x, 0, 1);
        Assert.Equal(before + 2 + 3, scope.DisposablesCount);
    }

    [Fact]
    public void RademacherProbesAreExactForADiagonalJacobian()
    {
        using var scope = torch.NewDisposeScope();
        var scales = torch.tensor(new[] { 0.5, -1.0, 2.0 });
        var x = LinearTestSystem.StartPoints();
        var integrator = new LogDensityIntegrator(new EulerSolver(4),
            new LogDensityOptions(DivergenceMethod.Hutchinson, Probes: 3));

        var result = integrator.Integrate((p, _) => p * scales, x, 0, 1);

        // εᵀ diag(s) ε = Σ sᵢ when every εᵢ² = 1: no probe noise at all.
        Assert.True(result.IntegratedDivergence.allclose(torch.full(4, 1.5, dtype: ScalarType.Float64), rtol: 0, atol: 1e-12));
        Assert.True(result.StandardError!.abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void TheSameSeedGivesTheSameProbesAndAnotherSeedOthers()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x = LinearTestSystem.StartPoints();
        LogDensityResult Run(long seed) => new LogDensityIntegrator(new EulerSolver(3),
            new LogDensityOptions(DivergenceMethod.Hutchinson, Probes: 2, Seed: seed)).Integrate(LinearTestSystem.Field(a), x, 0, 1);

        Assert.True(TensorEquality.Identical(Run(1).IntegratedDivergence, Run(1).IntegratedDivergence));
        Assert.False(TensorEquality.Identical(Run(1).IntegratedDivergence, Run(2).IntegratedDivergence));
    }

    [Fact]
    public void AutoUsesTheExactDivergenceUpToEightDimensions()
    {
        Assert.Equal(DivergenceMethod.Exact, new LogDensityOptions().Resolve(8));
        Assert.Equal(DivergenceMethod.Hutchinson, new LogDensityOptions().Resolve(9));
        Assert.Equal(DivergenceMethod.Exact, new LogDensityOptions(DivergenceMethod.Exact).Resolve(100));
    }

    [Fact]
    public void ItWorksWhenTheCallerDisabledGradients()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x = LinearTestSystem.StartPoints();
        using (torch.no_grad())
        {
            var result = new LogDensityIntegrator(new Rk4Solver(5)).Integrate(LinearTestSystem.Field(a), x, 0, 1);
            Assert.True(result.IntegratedDivergence.allclose(torch.full(4, -2.0, dtype: ScalarType.Float64), rtol: 0, atol: 1e-12));
        }
    }

    [Fact]
    public void TooFewProbesAreRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new LogDensityIntegrator(new Rk4Solver(5), new LogDensityOptions(Probes: 0)));
        Assert.Equal("Probes", error.ParamName);
    }
}
