using PrecondFlow.Theory;

namespace PrecondFlow.Tests.Theory;

public class LeastSquaresPreconditioningTests
{
    private static readonly Dictionary<double, LeastSquaresComparison> Runs =
        new[] { 10.0, 100.0, 1000.0 }.ToDictionary(k => k, k => LeastSquaresPreconditioning.Run(k, seed: 1));

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public void PlainGradientDescentNeedsAboutKappaLogOneOverEpsilonSteps(double kappa)
    {
        var run = Runs[kappa];
        // The Hessian X Xᵀ/n is Σ exactly (whitened draw), up to round-off.
        Assert.Equal(kappa, run.MeasuredKappa, kappa * 1e-9);
        // Within the 20%: the count falls short of κ·ln(1/ε) because only part of the initial error
        // lies along the slowest eigendirection (about ln √d / ln(1/ε) ≈ 8% for d = 8, ε = 1e-6); measured
        // 0.90, 0.94 and 0.94 of κ·ln(1/ε) for κ = 10, 100, 1000.
        Assert.InRange(run.StepsPlain / run.PredictedSteps, 0.8, 1.2);
    }

    [Fact]
    public void PreconditionedGradientDescentDoesNotGrowWithKappa()
    {
        var steps = Runs.Values.Select(r => r.StepsPreconditioned).ToArray();
        // M = Σ^(−½) makes the Hessian I: with η = 1 the first step lands on W̃* for every κ.
        Assert.All(steps, s => Assert.Equal(1, s));
        Assert.True(Runs[1000].StepsPlain > 50 * Runs[1000].StepsPreconditioned);
    }
}
