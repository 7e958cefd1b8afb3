using PrecondFlow.Solvers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Solvers;

public class DivergenceTests(ITestOutputHelper output)
{
    [Fact]
    public void TheExactDivergenceOfALinearFieldIsTheTraceOfItsMatrix()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x = LinearTestSystem.StartPoints(batch: 5);

        var divergence = Divergence.Exact(p => p.matmul(a.t()), x);

        Assert.Equal(new long[] { 5 }, divergence.shape);
        // tr A = −2 exactly; autograd of a matrix product sums three float64 products: round-off only.
        Assert.True(divergence.allclose(torch.full(5, -2.0, dtype: ScalarType.Float64), rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void TheExactDivergenceOfANonlinearFieldMatchesItsFormula()
    {
        using var scope = torch.NewDisposeScope();
        var x = LinearTestSystem.StartPoints(batch: 6);
        // f = (x₀², x₀·sin x₁, x₁·x₂): ∇·f = 2x₀ + x₀·cos x₁ + x₁.
        Tensor F(Tensor p) => torch.stack(new[]
        {
            p[.., 0].square(), p[.., 0] * p[.., 1].sin(), p[.., 1] * p[.., 2],
        }, 1);
        var expected = 2 * x[.., 0] + x[.., 0] * x[.., 1].cos() + x[.., 1];

        var divergence = Divergence.Exact(F, x);

        Assert.True(divergence.allclose(expected, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void TheExactDivergenceWorksWhenTheCallerDisabledGradients()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x = LinearTestSystem.StartPoints();
        using (torch.no_grad())
        {
            var divergence = Divergence.Exact(p => p.matmul(a.t()), x);
            Assert.True(divergence.allclose(torch.full(4, -2.0, dtype: ScalarType.Float64), rtol: 0, atol: 1e-12));
            Assert.False(torch.is_grad_enabled());
        }
    }

    [Fact]
    public void AFieldThatIgnoresItsInputHasZeroDivergence()
    {
        using var scope = torch.NewDisposeScope();
        var x = LinearTestSystem.StartPoints();
        var constant = Divergence.Exact(p => torch.ones_like(p), x);
        var partly = Divergence.Exact(p => torch.cat(new[] { 3 * p[.., ..1], torch.ones_like(p[.., 1..]) }, 1), x);

        Assert.True(TensorEquality.Identical(constant, torch.zeros(4, dtype: ScalarType.Float64)));
        Assert.True(partly.allclose(torch.full(4, 3.0, dtype: ScalarType.Float64)));
    }

    [Theory]
    [InlineData(ProbeDistribution.Rademacher)]
    [InlineData(ProbeDistribution.Gaussian)]
    public void HutchinsonsMeanOverManyProbesMatchesTheTrace(ProbeDistribution distribution)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(21);
        var a = LinearTestSystem.Matrix();
        var x = LinearTestSystem.StartPoints(batch: 1);
        const int probes = 4000;
        var shape = new long[] { probes, 1, 3 };
        var epsilon = distribution == ProbeDistribution.Gaussian
            ? torch.randn(shape, dtype: ScalarType.Float64, generator: generator)
            : torch.randint(0, 2, shape, dtype: ScalarType.Float64, generator: generator) * 2 - 1;

        var estimates = Divergence.HutchinsonPerProbe(p => p.matmul(a.t()), x, epsilon);

        Assert.Equal(new long[] { probes, 1 }, estimates.shape);
        var mean = estimates.mean().item<double>();
        var standardError = estimates.std().item<double>() / Math.Sqrt(probes);
        output.WriteLine($"{distribution}: mean {mean:F5} ± {standardError:F5} (trace −2)");
        // The mean of 4000 independent unbiased estimates: within 4 standard errors of tr A unless
        // something is biased (a 6e-5 chance for a correct estimator).
        Assert.True(standardError > 0);
        Assert.InRange(mean, -2 - 4 * standardError, -2 + 4 * standardError);
    }

    [Fact]
    public void HutchinsonWithOneProbeIsTheQuadraticFormOfTheJacobian()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x = LinearTestSystem.StartPoints();
        var probe = torch.tensor(new[,] { { 1.0, -1, 1 }, { 1, 1, -1 }, { -1, -1, -1 }, { 0.5, 2, 0 } });

        var estimate = Divergence.Hutchinson(p => p.matmul(a.t()), x, probe);

        // εᵀAε row by row, for a field with Jacobian A everywhere.
        var expected = (probe.matmul(a.t()) * probe).sum(1);
        Assert.True(estimate.allclose(expected, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void ProbesOfTheWrongShapeAreRejected()
    {
        using var scope = torch.NewDisposeScope();
        var x = LinearTestSystem.StartPoints();
        var error = Assert.Throws<ArgumentException>(
            () => Divergence.Hutchinson(p => p, x, torch.ones(4, 2, dtype: ScalarType.Float64)));
        Assert.Equal("probe", error.ParamName);
        Assert.Contains("[4, 2]", error.Message);
    }
}
