using PrecondFlow.Experiments.Studies;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>What a study run promises: every arm × metric × seed × step present, paired seeds, and the same numbers
/// on a second run (CPU).</summary>
public class ConvergenceStudyTests(TinyStudy study) : IClassFixture<TinyStudy>
{
    [Fact]
    public void TheBaselineComesFirstAndEveryTrainedPreconditionerGetsBothComputeMatchedBaselines() =>
        Assert.Equal(["none", "whiten", "realnvp", "none+steps(realnvp)", "none-wider(realnvp)"], study.Result.Arms.Select(a => a.Name));

    [Fact]
    public void EveryArmHoldsOneValuePerMetricSeedAndStep()
    {
        foreach (var arm in study.Result.Arms)
        {
            Assert.Equal(study.Result.Metrics.Select(m => m.Key).Order(), arm.Metrics.Keys.Order());
            foreach (var (key, perSeed) in arm.Metrics)
            {
                Assert.Equal(TinyStudy.Seeds, perSeed.Count);
                Assert.All(perSeed, seed => Assert.Equal(arm.Steps.Count, seed.Count));
            }
            Assert.Equal(TinyStudy.Seeds, arm.PreconditionerSeconds.Count);
            Assert.Equal(TinyStudy.Seeds, arm.TrainSeconds.Count);
        }
    }

    [Fact]
    public void TheMoreStepsArmTrainsItsExtraStepsAndAddsOneEvaluation()
    {
        var match = Assert.Single(study.Result.ComputeMatches);
        Assert.True(match.ExtraSteps > 0);
        var arm = study.Result.Arms.Single(a => a.Kind == ArmKind.MoreSteps);
        Assert.Equal([25, 50, 100, 100 + match.ExtraSteps], arm.Steps);
    }

    [Fact]
    public void SeedsArePairedTheMoreStepsArmEqualsTheBaselineAtEverySharedStep()
    {
        // Same split, initial weights, minibatches, learning rate and (constant) schedule: identical runs up to step 100.
        var baseline = study.Result.Baseline;
        var more = study.Result.Arms.Single(a => a.Kind == ArmKind.MoreSteps);
        Assert.Equal(baseline.LearningRate, more.LearningRate);
        foreach (var (key, perSeed) in baseline.Metrics)
            for (int s = 0; s < TinyStudy.Seeds; s++)
                Assert.Equal(perSeed[s], more.Metrics[key][s].Take(baseline.Steps.Count));
    }

    [Fact]
    public void EachArmRunsAtTheGridRateWithItsLowestValidationLoss()
    {
        foreach (var arm in study.Result.Arms.Where(a => a.Kind != ArmKind.MoreSteps))
        {
            var trials = study.Result.Trials.Where(t => t.Arm == arm.Name).ToArray();
            Assert.Equal(TinyStudy.Options.LearningRateGrid, trials.Select(t => t.LearningRate));
            Assert.Equal(trials.MinBy(t => t.ValidationLoss)!.LearningRate, arm.LearningRate);
        }
    }

    [Fact]
    public void ASecondRunWithTheSameSeedsGivesIdenticalNumbers()
    {
        var again = TinyStudy.Run();
        Assert.Equal(study.Result.Trials, again.Trials);
        Assert.Equal(study.Result.MmdBandwidths, again.MmdBandwidths);
        Assert.Equal(study.Result.ComputeMatches.Select(m => (m.ExtraSteps, m.WiderParameters)),
            again.ComputeMatches.Select(m => (m.ExtraSteps, m.WiderParameters)));
        foreach (var (first, second) in study.Result.Arms.Zip(again.Arms))
        {
            Assert.Equal(first.Name, second.Name);
            Assert.Equal(first.LearningRate, second.LearningRate);
            foreach (var (key, perSeed) in first.Metrics)
                for (int s = 0; s < TinyStudy.Seeds; s++)
                    Assert.Equal(perSeed[s], second.Metrics[key][s]);   // bit for bit
        }
    }
}
