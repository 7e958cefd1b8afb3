using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Tests.Experiments;

/// <summary>
/// The structure and sanity of the reproduced 2D experiments with the quick budget: every arm and seed present, every
/// number finite (the report folder is tested by TwoDReproductionReportTests). Not the paper's conclusions: the quick
/// budget is too small.
/// </summary>
[Collection(QuickReproduction.Collection)]
public class TwoDReproductionTests(QuickReproduction run)
{
    public static TheoryData<string, string[]> ExperimentArms => new()
    {
        { ElongatedGaussianExperiment.Id, ["none", "whiten"] },
        { SwissRollExperiment.Id, ["none", "realnvp", "flow", "whiten"] },
        { CheckerboardToSwissRollExperiment.Id, ["none", "whiten", "flow"] },
    };

    private ExperimentResult Result(string id) => run.Results.Single(r => r.Id == id);

    [Fact]
    public void AllTwoDRunsTheThreeExperimentsInOrder() =>
        Assert.Equal(TwoDReproduction.Experiments, run.Results.Select(r => r.Id));

    [Theory, MemberData(nameof(ExperimentArms))]
    public void EveryArmHasOneRunPerSeedWithEveryMetricFinite(string id, string[] arms)
    {
        var result = Result(id);
        Assert.Equal(arms, result.Arms.Select(a => a.Name));
        Assert.Equal("none", result.BaselineArm);
        foreach (var arm in result.Arms)
        {
            Assert.Equal(Enumerable.Range(0, QuickReproduction.Seeds).Select(i => (long)i), arm.Runs.Select(r => r.Seed));
            foreach (var seedRun in arm.Runs)
            {
                foreach (var metric in result.Metrics)
                    Assert.True(double.IsFinite(seedRun.Metrics[metric.Key]), $"{id} {arm.Name} seed {seedRun.Seed}: {metric.Key} = {seedRun.Metrics[metric.Key]}");
                // Every stage is timed by its own clock, even the identity's no-op fit and transform.
                Assert.True(seedRun.Times is { MainFlowSeconds: > 0, PreconditionerSeconds: > 0, TransformSeconds: > 0 },
                    $"{id} {arm.Name} seed {seedRun.Seed}: {seedRun.Times}");
                Assert.NotEmpty(seedRun.LossTrace);
                Assert.All(seedRun.LossTrace, p => Assert.True(double.IsFinite(p.Loss)));
                Assert.All(seedRun.Curves.Values.SelectMany(c => c), p => Assert.True(double.IsFinite(p.Value)));
            }
        }
    }

    [Fact]
    public void DistancesArePositiveSharesAreFractionsAndTheLearnedPreconditionersReportTheirSize()
    {
        foreach (var result in run.Results)
            foreach (var arm in result.Arms)
                foreach (var metric in result.Metrics.Where(m => m.RatioScale))
                {
                    bool share = metric.Key.EndsWith("_share", StringComparison.Ordinal);
                    Assert.All(arm.Values(metric.Key), v => Assert.True(share ? v is >= 0 and <= 1 : v > 0, $"{result.Id} {arm.Name}: {metric.Key} = {v}"));
                }
        var table1 = Result(SwissRollExperiment.Id);
        Assert.Equal(172, table1.Arm("flow").PreconditionerParameters);
        Assert.True(table1.Arm("realnvp").PreconditionerParameters > 0);
        Assert.Equal(0, table1.Arm("none").PreconditionerParameters);
        // A learned preconditioner trains for hundreds of steps; the identity's fit does nothing: the learned fits must be
        // charged at least ten times as much, seed by seed (a timer around the wrong stage would break this).
        foreach (var learned in new[] { "realnvp", "flow" })
            foreach (var (fit, none) in table1.Arm(learned).Runs.Zip(table1.Arm("none").Runs))
                Assert.True(fit.Times.PreconditionerSeconds > 10 * none.Times.PreconditionerSeconds,
                    $"{learned} fit {fit.Times.PreconditionerSeconds:G3} s vs identity {none.Times.PreconditionerSeconds:G3} s");
    }
}
