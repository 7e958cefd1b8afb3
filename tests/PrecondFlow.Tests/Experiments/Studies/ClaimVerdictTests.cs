using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.Studies.Regimes;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>A claim's verdict is a function of the final errors: lower mean and a majority of paired seeds → holds; neither
/// → does not hold; one without the other → mixed. Checked on hand-made curves.</summary>
public class ClaimVerdictTests
{
    private static readonly StudyMetric Precision = StudyMetric.Standard.Single(m => m.Key == "precision");
    private static readonly StudyMetric Ratio = StudyMetric.Standard.Single(m => m.Key == "spectrum_min_ratio");

    /// <summary>A study of arms none and p with steps 100, 200, 400; <paramref name="none"/> and <paramref name="p"/> are
    /// [seed][step] values of <paramref name="metric"/>.</summary>
    private static StudyResult Study(StudyMetric metric, double[][] none, double[][] p)
    {
        StudyArm Arm(string name, ArmKind kind, double[][] values) => new(name, kind, name, name, 1e-3, [100, 200, 400],
            new Dictionary<string, IReadOnlyList<IReadOnlyList<double>>> { [metric.Key] = values },
            values.Select(_ => 0.0).ToArray(), values.Select(_ => 1.0).ToArray(), 0, 10, [8]);
        return new StudyResult(new StudyOptions(["p"]), "test", (1, 1, 1), [metric], [1.0], [],
            [Arm("none", ArmKind.Baseline, none), Arm("p", ArmKind.Preconditioned, p)], [], 0);
    }

    [Fact]
    public void ALowerMeanErrorInEverySeedHoldsAndReportsTheStepsToReach()
    {
        // Precision: error = 1 − value. none ends at 0.8 (error 0.2); p's mean error is 0.4 at 100 and 0.1 at 200:
        // linear in log steps, 0.2 is reached at 100 · 2^((0.4 − 0.2)/(0.4 − 0.1)) = 100 · 2^(2/3) ≈ 158.7.
        var study = Study(Precision,
            none: [[0.5, 0.7, 0.8], [0.5, 0.7, 0.8], [0.5, 0.7, 0.8]],
            p: [[0.6, 0.9, 0.95], [0.6, 0.9, 0.95], [0.6, 0.9, 0.95]]);
        var verdict = ClaimVerdict.Check(new RegimeClaim("p is more precise", "p", "precision"), study);
        Assert.Equal(ClaimOutcome.Holds, verdict.Outcome);
        Assert.Equal(3, verdict.Wins);
        Assert.Equal(0.95, verdict.ArmValue, 12);
        Assert.Equal(0.2, verdict.AgainstError, 12);
        Assert.Equal(100 * Math.Pow(2, 2.0 / 3), verdict.SpeedUp.Step!.Value, 9);
        Assert.Equal(100 * Math.Pow(2, 2.0 / 3) / 400, verdict.SpeedUp.Ratio!.Value, 9);
    }

    [Fact]
    public void AHigherMeanErrorInMostSeedsDoesNotHold()
    {
        // spectrum_min_ratio: error = |log value|. none ends at 1 in every seed (error 0); p at 2, 0.5, 1 (errors ln 2, ln 2, 0).
        var study = Study(Ratio,
            none: [[5, 2, 1], [5, 2, 1], [5, 2, 1]],
            p: [[5, 2, 2], [5, 2, 0.5], [5, 2, 1]]);
        var verdict = ClaimVerdict.Check(new RegimeClaim("p recovers the thin direction", "p", "spectrum_min_ratio"), study);
        Assert.Equal(ClaimOutcome.DoesNotHold, verdict.Outcome);
        Assert.Equal(0, verdict.Wins);
        Assert.Equal(2 * Math.Log(2) / 3, verdict.ArmError, 12);
        Assert.False(verdict.SpeedUp.Reached);
    }

    [Fact]
    public void ALowerMeanFromOneLuckySeedIsMixed()
    {
        // Precision errors at the end: none 0.2, 0.2, 0.2; p 0.25, 0.25, 0.0: mean 0.167 < 0.2 but better in 1 of 3 seeds.
        var study = Study(Precision,
            none: [[0.5, 0.7, 0.8], [0.5, 0.7, 0.8], [0.5, 0.7, 0.8]],
            p: [[0.5, 0.7, 0.75], [0.5, 0.7, 0.75], [0.5, 0.7, 1.0]]);
        var verdict = ClaimVerdict.Check(new RegimeClaim("p is more precise", "p", "precision"), study);
        Assert.Equal(ClaimOutcome.Mixed, verdict.Outcome);
        Assert.Equal(1, verdict.Wins);
    }

    [Fact]
    public void ANaNFinalValueIsNotMeasured()
    {
        var study = Study(Precision,
            none: [[0.5, 0.7, 0.8], [0.5, 0.7, 0.8], [0.5, 0.7, 0.8]],
            p: [[0.5, 0.7, double.NaN], [0.5, 0.7, 0.9], [0.5, 0.7, 0.9]]);
        Assert.Equal(ClaimOutcome.NotMeasured, ClaimVerdict.Check(new RegimeClaim("p", "p", "precision"), study).Outcome);
    }

    [Fact]
    public void AnUnknownArmOrMetricIsNamed()
    {
        var study = Study(Precision, none: [[0.5, 0.7, 0.8]], p: [[0.5, 0.7, 0.8]]);
        Assert.Contains("'q'", Assert.Throws<ArgumentException>(() => ClaimVerdict.Check(new RegimeClaim("q", "q", "precision"), study)).Message);
        Assert.Contains("'recall'", Assert.Throws<ArgumentException>(() => ClaimVerdict.Check(new RegimeClaim("p", "p", "recall"), study)).Message);
    }
}
