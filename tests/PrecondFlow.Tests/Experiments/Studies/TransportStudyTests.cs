using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>A study with source points (StudyData.Source) transports them to the data; an arm may precondition one side.</summary>
public class TransportStudyTests
{
    private static StudyOptions Options(params string[] arms) => new(
        Arms: arms, Steps: 40, FirstEvaluation: 20, Seeds: 2, LearningRates: [2e-3], WarmupSteps: 5, Hidden: [16, 16],
        BatchSize: 64, SolverSteps: 4, Samples: 150, ComputeMatched: false, MetricSamples: 150, Projections: 8);

    private static StudyData Data()
    {
        var source = new Checkerboard().Sample(600, seed: 1) with { Labels = null, NumClasses = 0 };
        var roll = new SwissRoll();
        return new StudyData(roll.Sample(600, seed: 0), "checkerboard → swiss-roll", roll, source);
    }

    [Fact]
    public void ASourceOnlyIdentityArmIsTheBaselineBitForBit()
    {
        // "source:none" maps neither side, so with paired seeds it must repeat the baseline exactly: same split, same
        // initial weights, same minibatches of source and target points, same transported held-out points.
        var result = ConvergenceStudy.Run(Options("source:none", "source:whiten"), Data(), CPU);
        var baseline = result.Baseline;
        var same = result.Arms.Single(a => a.Name == "source:none");
        foreach (var (key, perSeed) in baseline.Metrics)
            Assert.Equal(perSeed.SelectMany(s => s), same.Metrics[key].SelectMany(s => s));
        // Whitening the source changes where the flow starts, so its numbers differ from the baseline's.
        var whitened = result.Arms.Single(a => a.Name == "source:whiten");
        Assert.NotEqual(baseline.Metrics["sliced_wasserstein"].SelectMany(s => s), whitened.Metrics["sliced_wasserstein"].SelectMany(s => s));
        Assert.Equal(6, whitened.PreconditionerParameters);   // whitening of 2-D points: a 2-vector and a 2×2 matrix
    }

    [Fact]
    public void TrainingCarriesTheSourceTowardsTheData()
    {
        // With a learning rate of ~0 the main flow stays its initial network, so the transported held-out checkerboard
        // points are not carried to the Swiss roll: their SW₂ to the roll stays above that of the same baseline trained
        // for 40 steps at a usable rate. Fails if the evaluation ignored the trained flow or sampled from N(0, I) instead.
        var frozen = ConvergenceStudy.Run(Options() with { LearningRates = [1e-12] }, Data(), CPU).Baseline;
        var trained = ConvergenceStudy.Run(Options(), Data(), CPU).Baseline;
        Assert.True(frozen.Metrics["sliced_wasserstein"][0][^1] > trained.Metrics["sliced_wasserstein"][0][^1]);
    }

    [Fact]
    public void TheReportSaysTheSamplesAreTransportedSourcePointsNotDrawsThroughPInverse()
    {
        var result = ConvergenceStudy.Run(Options() with { Seeds = 1, Steps = 20 }, Data(), CPU);
        Assert.True(result.TransportsSource);
        var folder = Directory.CreateTempSubdirectory("precondflow-transport-report-").FullName;
        try
        {
            PrecondFlow.Reporting.Studies.StudyReport.Write(folder, result, "precondflow study (test)");
            var report = File.ReadAllText(Path.Combine(folder, PrecondFlow.Reporting.Studies.StudyReport.ReportFile));
            Assert.Contains("held-out source points carried through the source map S, the main flow (RK4", report);
            Assert.DoesNotContain("samples through P⁻¹", report);
            Assert.Contains("\"transports_source\": true", File.ReadAllText(Path.Combine(folder, PrecondFlow.Reporting.Studies.StudyReport.ResultsFile)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ASideWithoutSourcePointsIsRejectedWithTheSpecToUse()
    {
        var data = Data() with { Source = null };
        var error = Assert.Throws<ArgumentException>(() => ConvergenceStudy.Run(Options("source:whiten"), data, CPU));
        Assert.Contains("'whiten'", error.Message);
    }

    [Fact]
    public void ATransportStudyRejectsALearningRateGridAndComputeMatchedBaselines()
    {
        Assert.Contains("one learning rate", Assert.Throws<ArgumentException>(() =>
            ConvergenceStudy.Run(Options("whiten") with { LearningRates = [1e-3, 3e-3] }, Data(), CPU)).Message);
        Assert.Contains("compute-matched", Assert.Throws<ArgumentException>(() =>
            ConvergenceStudy.Run(Options("whiten") with { ComputeMatched = true }, Data(), CPU)).Message);
    }
}
