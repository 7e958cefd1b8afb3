using System.Text.Json;
using PrecondFlow.Experiments.Studies.Regimes;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>
/// The paper's 2D experiments are regimes of study-2d run on the same engine: fig2 the elongated Gaussians (a), table1 the
/// Swiss rolls (c), fig11 the transport (d), all-2d the three; each keeps its samples for the figures and otherwise runs
/// exactly the study-2d regime (same options, same data), so its numbers are study-2d's.
/// </summary>
public class TwoDExperimentsTests
{
    private static readonly TwoDStudySettings Settings = new(Seeds: 3, Quick: true);

    public static TheoryData<string, string[]> ExperimentRegimes => new()
    {
        { TwoDExperiments.Fig2, ["a-gaussian-kappa-1e2", "a-gaussian-kappa-1e4"] },
        { TwoDExperiments.Table1, ["c-swiss-roll-unit-noise-0.05", "c-swiss-roll-unit-noise-0.01", "c-swiss-roll-raw-noise-0.05", "c-swiss-roll-raw-noise-0.01"] },
        { TwoDExperiments.Fig11, ["d-checkerboard-to-swiss-roll"] },
    };

    [Theory, MemberData(nameof(ExperimentRegimes))]
    public void EachPaperExperimentRunsItsStudyRegimesAndKeepsTheirSamples(string name, string[] regimes)
    {
        var chosen = TwoDExperiments.Regimes(name, Settings);
        Assert.Equal(regimes, chosen.Select(r => r.Id));
        Assert.All(chosen, r => Assert.True(r.Options.KeepFinalSamples, $"{name}: {r.Id} keeps no samples for its figure"));
    }

    [Fact]
    public void AllTwoDIsFig2ThenTable1ThenFig11()
    {
        var expected = new[] { TwoDExperiments.Fig2, TwoDExperiments.Table1, TwoDExperiments.Fig11 }
            .SelectMany(n => TwoDExperiments.Regimes(n, Settings)).Select(r => r.Id);
        Assert.Equal(expected, TwoDExperiments.Regimes(TwoDExperiments.All, Settings).Select(r => r.Id));
    }

    [Fact]
    public void Study2DRunsEveryRegimeAndKeepsOnlyTheMetrics()
    {
        var every = TwoDExperiments.Regimes(TwoDStudy.Id, Settings);
        Assert.Equal(TwoDStudyRegimes.For(Settings).Select(r => r.Id), every.Select(r => r.Id));
        Assert.All(every, r => Assert.False(r.Options.KeepFinalSamples));
    }

    [Fact]
    public void APaperExperimentsRegimeIsTheStudy2DRegimeApartFromTheKeptSamples()
    {
        var study = TwoDStudyRegimes.For(Settings).ToDictionary(r => r.Id);
        foreach (var regime in TwoDExperiments.Regimes(TwoDExperiments.All, Settings))
        {
            var same = study[regime.Id];
            // Every setting, nested ones included, compared through its JSON form (records compare arrays by reference).
            Assert.Equal(JsonSerializer.Serialize(same.Options with { KeepFinalSamples = true }), JsonSerializer.Serialize(regime.Options));
            Assert.Equal(Values(same.Data.Points.Points), Values(regime.Data.Points.Points));
            Assert.Equal(same.Claims, regime.Claims);
        }
    }

    private static double[] Values(TorchSharp.torch.Tensor points)
    {
        using var values = points.to_type(TorchSharp.torch.ScalarType.Float64);
        return values.data<double>().ToArray();
    }

    [Fact]
    public void Fig11RunsAtLeastFiveSeeds() =>
        Assert.True(TwoDExperiments.Regimes(TwoDExperiments.Fig11, Settings).Single().Options.Seeds >= TwoDStudyRegimes.TransportSeeds);

    [Fact]
    public void AnUnknownNameIsRefusedWithTheKnownOnesAndASuggestion()
    {
        var error = Assert.Throws<ArgumentException>(() => TwoDExperiments.Regimes("fig22", Settings));
        Assert.Contains("fig2, table1, fig11, all-2d, study-2d", error.Message);
        Assert.Contains("fig2", error.Message[(error.Message.IndexOf("study-2d", StringComparison.Ordinal) + 8)..]);
    }

    [Fact]
    public void EveryProgressStageNamesItsRegime()
    {
        // Without the regime in the stage name a long run of several regimes cannot tell which one is at work.
        var progress = new RecordingProgress();
        TwoDStudy.Run(TwoDExperiments.Fig2, Settings, TorchSharp.torch.CPU, progress);
        var regimes = TwoDExperiments.Regimes(TwoDExperiments.Fig2, Settings).Select(r => r.Id).ToArray();
        foreach (var regime in regimes)
        {
            Assert.Contains($"{regime} · learning rates", progress.Stages);
            Assert.Contains($"{regime} · whiten", progress.Stages);
        }
        Assert.All(progress.Stages.Where(s => !s.StartsWith("RealNVP quality", StringComparison.Ordinal)),
            s => Assert.Contains(regimes, r => s.StartsWith($"{r} · ", StringComparison.Ordinal)));
    }

    private sealed class RecordingProgress : PrecondFlow.Experiments.TwoD.IExperimentProgress
    {
        public List<string> Stages { get; } = [];

        public IProgress<(double Done, string Status)> AddStage(string name, double total)
        {
            Stages.Add(name);
            return new Progress<(double, string)>();
        }
    }
}
