using PrecondFlow.LinearAlgebra;
using PrecondFlow.Paths.Schedulers;
using PrecondFlow.Theory;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Theory;

public class GaussianTransportTests
{
    private static readonly double[] Spectrum = { 0.1, 0.4, 1.0 };

    [Fact]
    public void ConditionNumberIsOneAtTheBaseAndKappaOfSigmaAtTheData()
    {
        var transport = GaussianTransport.WithSpectrum(Spectrum, seed: 1);
        // Closed forms in float64: only round-off separates them from the exact values.
        Assert.Equal(1.0, transport.ConditionNumberAt(0), 12);
        Assert.Equal(10.0, transport.ConditionNumberAt(1), 10);
        Assert.Equal(10.0, transport.TargetConditionNumber, 10);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void SpectrumOfSigmaTFollowsEquations14And15(double t)
    {
        var transport = GaussianTransport.WithSpectrum(Spectrum, seed: 2);
        using var covariance = transport.CovarianceAt(t);
        var measured = SymmetricMatrices.Eigenvalues(covariance).data<double>().ToArray();
        var expected = Spectrum.Select(l => (1 - t) * (1 - t) + t * t * l).ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            // eigvalsh of a 3×3 float64 matrix: round-off ~1e-15.
            Assert.Equal(expected[i], measured[i], 12);
            Assert.Equal(expected[i], transport.EigenvaluesAt(t)[i], 12);
        }
        Assert.Equal(GaussianTransport.LinearPathConditionNumber(t, 0.1, 1.0), transport.ConditionNumberAt(t), 10);
    }

    [Fact]
    public void CrossCovarianceOfTheLinearPathIsTSigmaMinusOneMinusTIdentity()
    {
        var transport = GaussianTransport.WithSpectrum(Spectrum, seed: 3);
        const double t = 0.4;
        using var expected = t * transport.Covariance - (1 - t) * eye(3, dtype: ScalarType.Float64);
        using var actual = transport.CrossCovariance(t);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-14));
    }

    public static TheoryData<string, double> PathsAndTimes => new()
    {
        { "linear", 0.3 }, { "linear", 0.8 }, { "sine-cosine", 0.5 }, { "vp", 0.6 },
    };

    [Theory, MemberData(nameof(PathsAndTimes))]
    public void VelocityMatrixIsTheLeastSquaresRegressionOfTheTargetVelocityOnXt(string pathName, double t)
    {
        var scheduler = Schedulers.FromName(pathName);
        var transport = GaussianTransport.WithSpectrum(Spectrum, seed: 4, scheduler);
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        // 100 000 samples in 3-D: the regression coefficients have standard errors of about
        // √(Var(residual)/(n·λ_min(Σ_t))) < 0.01 here; 0.02 leaves a margin of over 2σ on every entry.
        const int n = 100_000;
        var x1 = transport.Sample(n, generator);
        var x0 = randn(n, 3, dtype: ScalarType.Float64, generator: generator);
        var s = scheduler.At(tensor(t, dtype: ScalarType.Float64));
        var xt = s.Alpha * x1 + s.Sigma * x0;
        var u = s.DAlpha * x1 + s.DSigma * x0;
        // min_W Σ‖W x_t − u‖² for row samples: W = (uᵀ x_t)(x_tᵀ x_t)⁻¹.
        var regressed = linalg.solve(xt.T.matmul(xt), xt.T.matmul(u)).T;
        var exact = transport.VelocityMatrix(t);
        var gap = (regressed - exact).abs().max().item<double>();
        Assert.True(gap < 0.02, $"largest entry gap {gap:G3} between regression and A_t ({pathName}, t = {t})");
    }

    [Fact]
    public void ScoreMatrixIsTheRegressionOfTheDenoisingTarget()
    {
        // Denoising score matching: ∇log p_t(x_t) = E[−x₀/σ_t | x_t], so regressing −x₀/σ_t on x_t
        // recovers the score matrix −Σ_t⁻¹ of eq. 10 without using it.
        var transport = GaussianTransport.WithSpectrum(Spectrum, seed: 6);
        const double t = 0.6;
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        const int n = 100_000;
        var x1 = transport.Sample(n, generator);
        var x0 = randn(n, 3, dtype: ScalarType.Float64, generator: generator);
        var xt = t * x1 + (1 - t) * x0;
        var target = -x0 / (1 - t);
        var regressed = linalg.solve(xt.T.matmul(xt), xt.T.matmul(target)).T;
        var gap = (regressed - transport.ScoreMatrix(t)).abs().max().item<double>();
        // Same standard-error argument as above (target variance 1/σ_t² ≈ 6, λ_min(Σ_t) ≈ 0.2): σ ≈ 0.02.
        Assert.True(gap < 0.08, $"largest entry gap {gap:G3} between regression and −Σ_t⁻¹");
    }

    [Fact]
    public void SamplesHaveTheTargetCovariance()
    {
        var transport = GaussianTransport.WithSpectrum(Spectrum, seed: 8);
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        var x = transport.Sample(100_000, generator);
        var gap = (SampleCovariance.Of(x) - transport.Covariance).abs().max().item<double>();
        // Entries of a sample covariance have standard error ≤ λ_max·√(2/n) ≈ 0.0045.
        Assert.True(gap < 0.02, $"covariance gap {gap:G3}");
    }

    [Fact]
    public void NonPositiveDefiniteTargetIsRejectedWithItsSmallestEigenvalue()
    {
        using var singular = diag(tensor(new[] { 1.0, 0.0 }));
        var error = Assert.Throws<ArgumentException>(() => new GaussianTransport(singular));
        Assert.Contains("positive definite", error.Message);
    }
}
