using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>
/// The positive control of the paper's claim at a small budget: on an elongated Gaussian with κ = 10⁴, whitening
/// reaches the baseline's final error in the thin direction (|log spectrum_min_ratio|) in at most a quarter of the
/// baseline's steps, with a constant learning rate and 3 paired seeds.
/// </summary>
public class PositiveControlTests
{
    [Fact]
    public void WhiteningReachesTheBaselinesFinalThinDirectionErrorInAQuarterOfTheSteps()
    {
        var options = new StudyOptions(
            Arms: ["whiten"], Steps: 800, FirstEvaluation: 50, Seeds: 3, LearningRates: [2e-3], WarmupSteps: 20,
            CosineDecay: false, Hidden: [32, 32], BatchSize: 128, SolverSteps: 10, Samples: 1000, MetricSamples: 200, Projections: 16);
        var data = ToyDatasets.Create("elongated-gaussian", 4000, seed: 0, new ToyDatasetOptions(Kappa: 1e4));
        var result = ConvergenceStudy.Run(options, new StudyData(data, "elongated-gaussian, κ = 10⁴"), CPU);

        var speedUp = StudyAnalysis.SpeedUps(result).Single(s => s.Arm == "whiten" && s.Metric == "spectrum_min_ratio").SpeedUp;
        Assert.True(speedUp.Reached, "whitening never reached the baseline's final spectrum_min_ratio error");
        Assert.True(speedUp.Ratio <= 0.25, $"whitening needed {speedUp.Step:F0} of the baseline's {options.Steps} steps");
    }
}
