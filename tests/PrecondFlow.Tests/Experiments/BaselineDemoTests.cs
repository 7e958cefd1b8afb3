using PrecondFlow.Experiments;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments;

/// <summary>
/// The demo at its real budget (<see cref="DemoOptions"/>' defaults, about 30 CPU-seconds) teaches what it says: on the
/// κ = 10⁴ target the baseline's thin direction is still far off while whitening's is recovered, and on the κ = 10²
/// target the two arms end close together. Numbers are means over the demo's 3 seeds; each seed's ratio carries a
/// sampling error of about √(2/1000) ≈ 4.5% (1 000 samples), so ±15% around 1 is a margin of several standard errors.
/// </summary>
public class BaselineDemoTests
{
    private static readonly Lazy<DemoResult> Result = new(() => BaselineDemo.Run(new DemoOptions(), CPU));

    [Fact]
    public void OnTheIllConditionedTargetWhiteningIsTenTimesCloserToOneThanTheBaseline()
    {
        var main = Result.Value.Main;
        double baseline = DemoReport.Final(main.Study.Baseline).Mean;
        double whiten = DemoReport.Final(main.Study.Arms.Single(a => a.Name == "whiten")).Mean;
        Assert.True(baseline > 3, $"the baseline's λ_min ratio is {baseline:F2}: the demo should show it far from 1");
        Assert.InRange(whiten, 0.85, 1.15);
        Assert.True(Math.Abs(Math.Log(baseline)) >= 10 * Math.Abs(Math.Log(whiten)),
            $"|log ratio|: baseline {Math.Abs(Math.Log(baseline)):F3}, whiten {Math.Abs(Math.Log(whiten)):F3}");
    }

    // Deterministic on the CPU; with the default data seed 0 the gap is 0.5%. Data seeds 1 and 2 gave 8.5% and 7.8%:
    // 10% is the size of the seeds' spread, not a margin tuned to one run.
    [Fact]
    public void OnTheMildTargetBothArmsEndWithinTenPercentOfEachOther()
    {
        var contrast = Result.Value.Contrast;
        double baseline = DemoReport.Final(contrast.Study.Baseline).Mean;
        double whiten = DemoReport.Final(contrast.Study.Arms.Single(a => a.Name == "whiten")).Mean;
        Assert.True(Math.Abs(baseline - whiten) / whiten < 0.10, $"κ = 100: baseline {baseline:F3}, whiten {whiten:F3}");
    }

    [Fact]
    public void KappaAlongThePathReachesTheTargetsKappaRawAndStaysAtOneAfterWhitening()
    {
        foreach (var target in new[] { Result.Value.Main, Result.Value.Contrast })
        {
            // Cov x_1 is the sample covariance of 6 000 points: its eigenvalues are off by ~√(2/6000) ≈ 2%, κ by ~3%.
            Assert.InRange(target.RawKappa.Kappa[^1] / target.Kappa, 0.9, 1.1);
            Assert.Equal(1.0, target.RawKappa.Kappa[0], 3);   // x_0 is N(0, I)
            // Whitening with the data's own covariance makes Cov P(x) the identity up to float32 rounding.
            Assert.All(target.PreconditionedKappa.Kappa, k => Assert.InRange(k, 1.0, 1.001));
        }
    }
}
