using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Pipeline;
using PrecondFlow.Reporting.Narratives;
using PrecondFlow.Training;

namespace PrecondFlow.Tests.Reporting.Narratives;

/// <summary>The result paragraph must say what the numbers say: better in every seed, worse, or mixed.</summary>
public class FindingsTests
{
    private static readonly MetricInfo Distance = new("sw2", "distance", "a distance");
    private static readonly MetricInfo Mmd = new("mmd", "MMD²", "can be negative", RatioScale: false);

    private static ArmResult Arm(string label, params double[] values) => new(label, label, "", 0,
        values.Select((v, i) => new SeedRun(i, new Dictionary<string, double> { ["sw2"] = v, ["mmd"] = v - 0.5 },
            new PipelineTimes(1, 2, 3), 0, Array.Empty<LossPoint>(), new Dictionary<string, IReadOnlyList<CurvePoint>>())).ToArray());

    private static readonly ArmResult Baseline = Arm("none", 1.0, 2.0, 4.0);

    [Fact]
    public void AnArmLowerInEverySeedIsReportedAsLoweringTheMetricWithThePairedChange()
    {
        var sentence = Findings.Compare(Baseline, Arm("whitening", 0.5, 1.0, 2.0), Distance);
        // Each seed halves: −50% with no spread.
        Assert.StartsWith("Whitening lowers the distance by 50% ± 0% over 3 seeds", sentence);
        Assert.Contains("lower in every seed", sentence);
    }

    [Fact]
    public void AnArmThatIsWorseIsReportedAsNotHelping()
    {
        var sentence = Findings.Compare(Baseline, Arm("whitening", 1.5, 1.9, 4.4), Distance);
        Assert.StartsWith("Whitening does not help here for the distance", sentence);
        Assert.Contains("lower in 1 of 3 seeds", sentence);
    }

    [Fact]
    public void AnArmLowerOnAverageButNotInEverySeedIsNotCalledAnImprovement()
    {
        var sentence = Findings.Compare(Baseline, Arm("whitening", 0.2, 2.1, 4.2), Distance);
        Assert.Contains("but only in 1 of 3 seeds", sentence); // −80%, +5%, +5%: −23% on average
        Assert.Contains("not a reliable improvement", sentence);
        Assert.DoesNotContain("lowers the distance by", sentence);
    }

    [Fact]
    public void MetricsThatCanBeNegativeAreComparedByDifferenceNotPercentage()
    {
        // MMD² = value − 0.5: baseline 0.5, 1.5, 3.5 and arm −0.25, 0, 0.5, so the differences are −0.75, −1.5, −3 (mean −1.75, std 1.15).
        var sentence = Findings.Compare(Baseline, Arm("whitening", 0.25, 0.5, 1.0), Mmd);
        Assert.StartsWith("Whitening lowers the MMD² by 1.75 ± 1.1 over 3 seeds", sentence);
        Assert.DoesNotContain("%", sentence);
    }
}
