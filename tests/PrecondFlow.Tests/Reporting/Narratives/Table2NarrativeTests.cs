using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Pipeline;
using PrecondFlow.Reporting.Narratives;
using PrecondFlow.Training;

namespace PrecondFlow.Tests.Reporting.Narratives;

/// <summary>The paper-ordering verdict of table2 is decided from the FIDs: holds clearly, holds within the spread, or not.</summary>
public class Table2NarrativeTests
{
    private static ArmResult Arm(string name, params double[] fids) => new(name, name, "", 0,
        fids.Select((v, i) => new SeedRun(i, new Dictionary<string, double> { [Table2Experiment.Fid.Key] = v },
            new PipelineTimes(1, 2, 3), 0, Array.Empty<LossPoint>(), new Dictionary<string, IReadOnlyList<CurvePoint>>())).ToArray());

    [Fact]
    public void TheOrderingHoldsClearlyWhenEveryGapIsWiderThanTheSpreads()
    {
        // Means 2, 7, 14 with standard deviations of about 1.4: every gap (5, 7) exceeds the two spreads together (2.8).
        var verdict = Table2Narrative.PaperOrdering([Arm("none", 13, 15), Arm("realnvp", 1, 3), Arm("flow", 6, 8)], "MNIST");
        Assert.StartsWith("The paper's ordering FID(RealNVP) < FID(flow preconditioner) < FID(none) holds on MNIST (", verdict);
        Assert.EndsWith(", with gaps larger than the spread between seeds.", verdict);
    }

    [Fact]
    public void TheOrderingHoldsButNotClearlyWhenAGapIsWithinTheSpreads()
    {
        // Means 2, 3, 14: RealNVP below flow, but the gap of 1 is within their spreads (about 1.4 each).
        var verdict = Table2Narrative.PaperOrdering([Arm("none", 13, 15), Arm("realnvp", 1, 3), Arm("flow", 2, 4)], "MNIST");
        Assert.Contains(" holds on MNIST ", verdict);
        Assert.EndsWith(", but some gaps are within the spread between seeds.", verdict);
    }

    [Fact]
    public void TheOrderingDoesNotHoldWhenAnyMeanIsOutOfOrder()
    {
        // The flow preconditioner's mean FID (1.5) is below RealNVP's (2): the ordering is broken, however wide the gaps.
        var verdict = Table2Narrative.PaperOrdering([Arm("none", 13, 15), Arm("realnvp", 2, 2), Arm("flow", 1.5, 1.5)], "Fashion-MNIST");
        Assert.Equal("The paper's ordering FID(RealNVP) < FID(flow preconditioner) < FID(none) does NOT hold on Fashion-MNIST " +
            "(RealNVP 2 ± 0, flow preconditioner 1.5 ± 0, none 14 ± 1.4).", verdict);
    }
}
