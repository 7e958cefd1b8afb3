using PrecondFlow.Experiments.Studies;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>
/// The speed-up and plateau computations on hand-made curves whose answers are known in closed form. Tolerances are
/// 1e-9 relative: the only error is floating-point rounding of logs and exponentials.
/// </summary>
public class ConvergenceAnalysisTests
{
    private static readonly int[] Doubling = [250, 500, 1000, 2000, 4000];

    [Fact]
    public void ACurveLinearInLogStepsReachesItsTargetAtTheExactStep()
    {
        // e(s) = 10 − ln s is linear in log s, so log interpolation is exact: e(s) = 10 − ln 1500 at s = 1500.
        var errors = Doubling.Select(s => 10 - Math.Log(s)).ToArray();
        var speedUp = ConvergenceAnalysis.StepsToReach(Doubling, errors, 10 - Math.Log(1500), baselineSteps: 4000);
        Assert.True(speedUp.Reached);
        Assert.Equal(1500, speedUp.Step!.Value, 1500 * 1e-9);
        Assert.Equal(1500.0 / 4000, speedUp.Ratio!.Value, 1e-9);
    }

    [Fact]
    public void ATargetBelowTheWholeCurveIsNotReached()
    {
        var errors = new[] { 5.0, 4, 3, 2, 1 };
        var speedUp = ConvergenceAnalysis.StepsToReach(Doubling, errors, 0.5, 4000);
        Assert.False(speedUp.Reached);
        Assert.Null(speedUp.Ratio);
    }

    [Fact]
    public void ACurveAlreadyAtTheTargetReachesItAtItsFirstPoint()
    {
        var speedUp = ConvergenceAnalysis.StepsToReach(Doubling, [0.1, 0.1, 0.1, 0.1, 0.1], 0.2, 4000);
        Assert.Equal(250, speedUp.Step);
        Assert.Equal(250.0 / 4000, speedUp.Ratio);
    }

    [Fact]
    public void TheFirstCrossingCountsNotALaterOne()
    {
        // Down to the target between 500 and 1000 (halfway in log steps), up again, down again later.
        var speedUp = ConvergenceAnalysis.StepsToReach(Doubling, [3, 2, 0, 5, 0], 1, 4000);
        Assert.Equal(Math.Sqrt(500.0 * 1000), speedUp.Step!.Value, 1e-6);
    }

    [Fact]
    public void ImprovingByLessThanFivePercentOverTheLastDoublingIsAPlateau()
    {
        var flat = ConvergenceAnalysis.PlateauTest(Doubling, [8, 4, 2, 1.0, 0.98]);
        Assert.Equal(2000, flat.FromStep);
        Assert.Equal(4000, flat.ToStep);
        Assert.Equal(0.02, flat.RelativeImprovement, 1e-9);
        Assert.True(flat.IsPlateau);

        var falling = ConvergenceAnalysis.PlateauTest(Doubling, [8, 4, 2, 1.0, 0.5]);
        Assert.Equal(0.5, falling.RelativeImprovement, 1e-9);
        Assert.False(falling.IsPlateau);
    }

    [Fact]
    public void AnErrorThatGrowsIsAPlateauWithNegativeImprovement()
    {
        var worse = ConvergenceAnalysis.PlateauTest(Doubling, [8, 4, 2, 1.0, 1.5]);
        Assert.Equal(-0.5, worse.RelativeImprovement, 1e-9);
        Assert.True(worse.IsPlateau);
    }

    [Fact]
    public void WithoutAnExactHalfThePlateauTestStartsAtTheLastPointBelowHalf()
    {
        var plateau = ConvergenceAnalysis.PlateauTest([250, 500, 1000, 1500], [4, 2, 1.5, 1]);
        Assert.Equal(500, plateau.FromStep);
        Assert.Equal(0.5, plateau.RelativeImprovement, 1e-9);
    }

    [Fact]
    public void ErrorsFollowEachMetricsDirection()
    {
        Assert.Equal(0.3, StudyMetric.ErrorOf(MetricDirection.LowerIsBetter, 0.3));
        Assert.Equal(0.2, StudyMetric.ErrorOf(MetricDirection.HigherIsBetter, 0.8), 1e-12);
        // A ratio e² and its inverse e⁻² are equally wrong: |log r| = 2 for both.
        Assert.Equal(2, StudyMetric.ErrorOf(MetricDirection.CloserToOneIsBetter, Math.Exp(2)), 1e-12);
        Assert.Equal(2, StudyMetric.ErrorOf(MetricDirection.CloserToOneIsBetter, Math.Exp(-2)), 1e-12);
        Assert.Equal(0, StudyMetric.ErrorOf(MetricDirection.CloserToOneIsBetter, 1));
    }

    [Fact]
    public void TheMeanErrorAveragesErrorsNotValues()
    {
        // Ratios 10 and 0.1 average to 5.05 as values, but both are |log| = ln 10 away from 1.
        var metric = StudyMetric.Standard.Single(m => m.Key == "spectrum_min_ratio");
        var mean = ConvergenceAnalysis.MeanError(metric, [[10.0, 1], [0.1, 1]]);
        Assert.Equal(Math.Log(10), mean[0], 1e-12);
        Assert.Equal(0, mean[1], 1e-12);
    }

    [Theory]
    [InlineData(4000, 250, new[] { 250, 500, 1000, 2000, 4000 })]
    [InlineData(3000, 250, new[] { 250, 500, 1000, 2000, 3000 })]
    [InlineData(250, 250, new[] { 250 })]
    public void EvaluationPointsDoubleFromTheFirstAndEndAtTheLastStep(int steps, int first, int[] expected) =>
        Assert.Equal(expected, new StudyOptions(["none"], Steps: steps, FirstEvaluation: first).EvaluationSteps);
}
