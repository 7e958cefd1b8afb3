using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.Studies.Regimes;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>
/// A 2D experiment splits into independent jobs (each regime's study, each Swiss-roll regime's ablation) that can run
/// elsewhere, several at a time; read back from their work folder they give exactly the numbers of a run in one piece.
/// </summary>
public class TwoDStudyJobsTests
{
    private static readonly TwoDStudySettings Settings = new(Seeds: 3, Quick: true);

    [Fact]
    public void EveryStudyAndEverySwissRollAblationIsAJobTheThinnestSwissRollsFirst()
    {
        var regimes = TwoDStudyRegimes.For(Settings);
        var jobs = TwoDStudy.Jobs(regimes);

        Assert.Equal(Enumerable.Range(0, jobs.Count), jobs.Select(j => j.Index));
        Assert.Equal(regimes.Select(r => r.Id).Order(),
            jobs.Where(j => j.Kind == TwoDStudyJobKind.Study).Select(j => j.RegimeId).Order());
        Assert.Equal(regimes.Where(r => r.Group == "c").Select(r => r.Id).Order(),
            jobs.Where(j => j.Kind == TwoDStudyJobKind.Ablation).Select(j => j.RegimeId).Order());
        var first = regimes.Single(r => r.Id == jobs[0].RegimeId);
        Assert.Equal(regimes.Max(r => r.Options.SolverSteps), first.Options.SolverSteps);
        Assert.Equal("c", first.Group);
    }

    [Fact]
    public void JobsRunThroughALauncherGiveTheNumbersOfARunInOnePiece()
    {
        // One Swiss-roll regime: a study and an ablation, the two kinds of job.
        var regimes = TwoDExperiments.Regimes(TwoDExperiments.Table1, Settings).Take(1).ToArray();
        var together = TwoDStudy.Run(Settings, regimes, CPU, experiment: TwoDExperiments.Table1);
        var launcher = new OneAfterAnother(TwoDExperiments.Table1);
        var apart = TwoDStudy.Run(Settings with { Workers = 2 }, regimes, CPU, experiment: TwoDExperiments.Table1, launcher: launcher);

        Assert.Equal(2, launcher.Ran);
        var (one, other) = (together.Regimes.Single().Study, apart.Regimes.Single().Study);
        Assert.Equal(one.Arms.Select(a => (a.Name, a.LearningRate)), other.Arms.Select(a => (a.Name, a.LearningRate)));
        foreach (var (a, b) in one.Arms.Zip(other.Arms))
            foreach (var metric in one.Metrics)
                Assert.Equal(a.Metrics[metric.Key].SelectMany(v => v), b.Metrics[metric.Key].SelectMany(v => v));
        Assert.Equal(one.Trials.Select(t => t.ValidationLoss), other.Trials.Select(t => t.ValidationLoss));
        Assert.True(other.WallSeconds > 1e-3, "the study's wall time is its job's, not the time to read it back");

        var (ablation, readBack) = (together.Ablations.Single(), apart.Ablations.Single());
        Assert.Equal(ablation.Entropy, readBack.Entropy);
        Assert.Equal(ablation.Levels.Select(l => l.Steps), readBack.Levels.Select(l => l.Steps));
        Assert.Equal(ablation.Levels.SelectMany(l => l.HeldOutNll), readBack.Levels.SelectMany(l => l.HeldOutNll));
        Assert.Equal(ablation.Levels.SelectMany(l => l.SlitCorrelation), readBack.Levels.SelectMany(l => l.SlitCorrelation));
    }

    /// <summary>Runs the jobs here, one after another, as a process launcher's children would.</summary>
    private sealed class OneAfterAnother(string experiment) : ITwoDStudyJobLauncher
    {
        public int Ran { get; private set; }

        public void Run(IReadOnlyList<TwoDStudyJob> jobs, string workFolder, int workers)
        {
            foreach (var job in jobs)
            {
                TwoDStudy.RunJob(experiment, Settings, job, workFolder, CPU);
                Ran++;
            }
        }
    }
}
