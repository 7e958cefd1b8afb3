using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>
/// <see cref="StudyOptions.KeepFinalSamples"/> hands back the first seed's final samples for a scatter plot, and only
/// reads: the metrics are the same bit for bit with it on or off.
/// </summary>
public class FinalSamplesTests
{
    private static StudyResult Run(bool keep) => ConvergenceStudy.Run(
        new StudyOptions(Arms: ["whiten"], Steps: 20, FirstEvaluation: 10, Seeds: 2, WarmupSteps: 5, Hidden: [8], BatchSize: 64,
            SolverSteps: 3, Samples: 64, ComputeMatched: false, MetricSamples: 64, Projections: 8, KeepFinalSamples: keep),
        new StudyData(ToyDatasets.Create("elongated-gaussian", 500, seed: 0, new ToyDatasetOptions(Kappa: 100)), "κ = 100"), CPU);

    [Fact]
    public void KeepingTheFinalSamplesGivesOneRowPerSampleAndChangesNoMetric()
    {
        var kept = Run(keep: true);
        var plain = Run(keep: false);
        foreach (var (arm, other) in kept.Arms.Zip(plain.Arms))
        {
            Assert.Null(other.FinalSamples);
            Assert.NotNull(arm.FinalSamples);
            Assert.Equal(64, arm.FinalSamples!.Count);
            Assert.All(arm.FinalSamples, row => Assert.Equal(2, row.Length));
            Assert.All(arm.FinalSamples, row => Assert.All(row, v => Assert.True(double.IsFinite(v))));
            Assert.True(arm.FinalSamples.Select(r => r[0]).Distinct().Count() > 32, "the kept samples should be distinct points");
            foreach (var (key, values) in arm.Metrics)
                Assert.Equal(values.SelectMany(v => v), other.Metrics[key].SelectMany(v => v));
        }
    }

    private static StudyResult Transport(bool keep)
    {
        var source = new Checkerboard().Sample(600, seed: 1) with { Labels = null, NumClasses = 0 };
        var roll = new SwissRoll();
        return ConvergenceStudy.Run(
            new StudyOptions(Arms: ["source:whiten"], Steps: 20, FirstEvaluation: 10, Seeds: 2, LearningRates: [2e-3], WarmupSteps: 5,
                Hidden: [8], BatchSize: 64, SolverSteps: 3, Samples: 80, ComputeMatched: false, MetricSamples: 80, Projections: 8,
                KeepFinalSamples: keep),
            new StudyData(roll.Sample(600, seed: 0), "checkerboard → swiss-roll", roll, source), CPU);
    }

    [Fact]
    public void ATransportStudyKeepsItsTransportedPointsAndChangesNoMetric()
    {
        var kept = Transport(keep: true);
        var plain = Transport(keep: false);
        foreach (var (arm, other) in kept.Arms.Zip(plain.Arms))
        {
            Assert.Null(other.FinalSamples);
            Assert.Equal(80, arm.FinalSamples!.Count);
            Assert.All(arm.FinalSamples, row => Assert.All(row, v => Assert.True(double.IsFinite(v))));
            foreach (var (key, values) in arm.Metrics)
                Assert.Equal(values.SelectMany(v => v), other.Metrics[key].SelectMany(v => v));
        }
    }
}
