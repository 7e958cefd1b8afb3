using PrecondFlow.Theory;

namespace PrecondFlow.Tests.Theory;

public class GradientDescentModesTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public void StepsToReachEpsilonFollowKappaTimesLogOneOverEpsilon(double kappa)
    {
        const double epsilon = 1e-6;
        var steps = GradientDescentModes.StepsToReach(new[] { 1 / kappa, 0.3, 1.0 }, epsilon);
        var predicted = GradientDescentModes.PredictedSteps(kappa, epsilon);
        // η = 1/λ_max: the slow mode contracts by 1 − 1/κ and starts at 1/√3 of the error, so
        // steps ≈ ln(1/(ε√3))/−ln(1 − 1/κ): measured 0.91·κ·ln(1/ε) at κ = 10 (where −ln(1 − 1/κ) exceeds
        // 1/κ by 5%), 0.96 at κ = 1000; 20% is the acceptance band.
        Assert.InRange(steps / predicted, 0.8, 1.2);
    }

    [Fact]
    public void EveryModeContractsByOneMinusEtaLambdaPerStep()
    {
        var eigenvalues = new[] { 0.01, 0.1, 1.0 };
        var trajectory = GradientDescentModes.Run(eigenvalues, steps: 50, learningRate: 0.5);
        for (var i = 0; i < eigenvalues.Length; i++)
            Assert.Equal(Math.Pow(1 - 0.5 * eigenvalues[i], 50), trajectory.Errors[50][i], 12);
        Assert.Equal(51, trajectory.Errors.Count);
    }

    [Fact]
    public void StepsDoNotDependOnKappaWhenTheSpectrumIsFlat()
    {
        // The preconditioned problem: Σ̃ = I, η = 1 reaches any ε in one step.
        Assert.Equal(1, GradientDescentModes.StepsToReach(new[] { 1.0, 1.0, 1.0 }, 1e-9));
    }

    [Fact]
    public void AStepSizeThatDivergesIsRejectedWithTheLimit()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            GradientDescentModes.StepsToReach(new[] { 0.1, 1.0 }, 1e-3, learningRate: 2.5));
        Assert.Contains("2/λ_max", error.Message);
    }
}
