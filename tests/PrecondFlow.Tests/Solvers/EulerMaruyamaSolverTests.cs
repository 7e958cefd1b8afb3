using PrecondFlow.Solvers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Solvers;

public class EulerMaruyamaSolverTests(ITestOutputHelper output)
{
    private const int Paths = 20_000;

    private static OdeSolution OrnsteinUhlenbeck(ulong seed, int steps = 300)
    {
        // dx = −x dt + √2 dW from x = 0 over [0, 3].
        using var generator = new Generator(seed);
        var x0 = torch.zeros(Paths, 1, dtype: ScalarType.Float64);
        return new EulerMaruyamaSolver(steps).Integrate((x, _) => -x, _ => Math.Sqrt(2), x0, 0, 3, generator);
    }

    [Fact]
    public void OrnsteinUhlenbeckPathsReachTheExactVariance()
    {
        using var scope = torch.NewDisposeScope();
        var solution = OrnsteinUhlenbeck(seed: 11);
        var variance = solution.Final.var().item<double>();

        var exact = 1 - Math.Exp(-6);
        // Euler–Maruyama's own variance recursion v ← (1 − h)²v + 2h gives, after 300 steps of h = 0.01,
        // v = (1 − (1 − h)^600)/(1 − h/2): a discretisation bias of about +0.005.
        const double h = 0.01;
        var discrete = (1 - Math.Pow(1 - h, 600)) / (1 - h / 2);
        // The sample variance of n Gaussian values has standard error v·√(2/(n − 1)) ≈ 0.010.
        var standardError = exact * Math.Sqrt(2.0 / (Paths - 1));
        output.WriteLine($"sample variance {variance:F5}; exact {exact:F5}; Euler–Maruyama {discrete:F5}; standard error {standardError:F5}");
        Assert.InRange(variance, exact - 4 * standardError - Math.Abs(discrete - exact),
                                 exact + 4 * standardError + Math.Abs(discrete - exact));
        Assert.Equal(300, solution.FunctionEvaluations);
    }

    [Fact]
    public void TheSameSeedGivesTheSamePaths()
    {
        using var scope = torch.NewDisposeScope();
        var first = OrnsteinUhlenbeck(seed: 5, steps: 20).Final;
        var again = OrnsteinUhlenbeck(seed: 5, steps: 20).Final;
        var other = OrnsteinUhlenbeck(seed: 6, steps: 20).Final;

        Assert.True(TensorEquality.Identical(first, again));
        Assert.False(TensorEquality.Identical(first, other));
    }

    [Fact]
    public void BackwardsIntegrationUsesTheAbsoluteStepInTheNoise()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(3);
        // Pure Brownian motion run from t = 1 back to t = 0: variance |Δt| = 1.
        var x0 = torch.zeros(Paths, 1, dtype: ScalarType.Float64);
        var solution = new EulerMaruyamaSolver(10).Integrate((x, _) => torch.zeros_like(x), _ => 1.0, x0, 1, 0, generator,
            keepTrajectory: true);

        var variance = solution.Final.var().item<double>();
        // No discretisation error for Brownian motion; 4 standard errors of a sample variance, √(2/n) ≈ 0.01 each.
        Assert.InRange(variance, 1 - 4 * Math.Sqrt(2.0 / Paths), 1 + 4 * Math.Sqrt(2.0 / Paths));
        Assert.Equal(11, solution.Times.Count);
        Assert.Equal(1.0, solution.Times[0]);
        Assert.Equal(0.0, solution.Times[^1]);
        Assert.All(solution.Times.Zip(solution.Times.Skip(1)), p => Assert.True(p.Second < p.First));
        Assert.Equal(11, solution.Trajectory!.Count);
    }

    [Fact]
    public void WithoutNoiseItIsTheEulerMethodInBothDirections()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(1);
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        foreach (var (t0, t1) in new[] { (0.0, 1.0), (1.0, 0.0) })
        {
            var sde = new EulerMaruyamaSolver(25).Integrate(LinearTestSystem.Field(a), _ => 0.0, x0, t0, t1, generator);
            var ode = new EulerSolver(25).Integrate(LinearTestSystem.Field(a), x0, t0, t1);
            Assert.True(TensorEquality.Identical(sde.Final, ode.Final));
        }
    }

    [Fact]
    public void ANegativeDiffusionIsRejected()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(1);
        var x0 = LinearTestSystem.StartPoints();
        var error = Assert.Throws<ArgumentException>(
            () => new EulerMaruyamaSolver(5).Integrate((x, _) => x, _ => -1.0, x0, 0, 1, generator));
        Assert.Equal("diffusion", error.ParamName);
    }

    [Fact]
    public void ANonPositiveStepCountIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new EulerMaruyamaSolver(-3));
        Assert.Contains("at least 1 step", error.Message);
    }
}
