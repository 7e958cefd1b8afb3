using System.Text.Json;
using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Reporting.Studies;
using PrecondFlow.Tests.Experiments.Studies;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Reporting;

/// <summary>The study-2d folder: one StudyReport sub-folder per regime, claims.json with every claim's numbers and verdict,
/// and a report.md that links every regime and states every claim's verdict; two quick runs give the same numbers.</summary>
public class TwoDStudyReportTests(QuickTwoDStudy study) : IClassFixture<QuickTwoDStudy>
{
    [Fact]
    public void EveryRegimeIsASubFolderWithAStudyReport()
    {
        var expected = TwoDStudyRegimes.For(QuickTwoDStudy.Settings).Select(r => r.Id).Order().ToArray();
        var folders = Directory.GetDirectories(study.Folder).Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(expected, folders);
        foreach (var id in expected)
            foreach (var file in new[] { StudyReport.ResultsFile, StudyReport.CurvesFile, StudyReport.ReportFile })
                Assert.True(new FileInfo(Path.Combine(study.Folder, id, file)).Length > 0, $"{id}/{file} is missing or empty");
        Assert.Equal([TwoDStudyReport.ClaimsFile, TwoDStudyReport.ReportFile],
            Directory.GetFiles(study.Folder).Select(f => Path.GetFileName(f)!).Order().ToArray());
    }

    [Fact]
    public void ClaimsJsonHoldsEveryClaimWithItsNumbersAndVerdict()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(study.Folder, TwoDStudyReport.ClaimsFile)));
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("seeds").GetInt32());
        Assert.Equal(study.Result.Regimes.Count, root.GetProperty("regimes").GetArrayLength());
        var claims = root.GetProperty("claims").EnumerateArray().ToArray();
        Assert.Equal(study.Result.Regimes.Sum(r => r.Regime.Claims.Count), claims.Length);
        string[] outcomes = Enum.GetNames<ClaimOutcome>();
        foreach (var claim in claims)
        {
            foreach (var key in new[] { "regime", "claim", "arm", "against", "metric", "arm_value", "against_value", "paired_wins", "seeds", "outcome" })
                Assert.True(claim.TryGetProperty(key, out _), $"claim without '{key}'");
            Assert.Contains(claim.GetProperty("outcome").GetString(), outcomes);
            Assert.InRange(claim.GetProperty("paired_wins").GetInt32(), 0, claim.GetProperty("seeds").GetInt32());
            Assert.True(claim.GetProperty("seeds").GetInt32() >= 3);
        }
    }

    [Fact]
    public void EverySwissRollRegimeHasItsQualityAblationNextToTheEntropy()
    {
        var ids = study.Result.Regimes.Where(r => r.Regime.Group == "c").Select(r => r.Regime.Id).ToArray();
        Assert.Equal(ids, study.Result.Ablations.Select(a => a.RegimeId));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(study.Folder, TwoDStudyReport.ClaimsFile)));
        var ablations = json.RootElement.GetProperty("quality_ablation").EnumerateArray().ToArray();
        Assert.Equal(ids.Length, ablations.Length);
        foreach (var a in ablations)
        {
            Assert.True(double.IsFinite(a.GetProperty("entropy_nats").GetDouble()));
            var levels = a.GetProperty("levels").EnumerateArray().ToArray();
            Assert.Equal(TwoDStudyRegimes.QualitySteps(quick: true), levels.Select(l => l.GetProperty("realnvp_steps").GetInt32()));
            Assert.All(levels, l => Assert.Equal(3, l.GetProperty("held_out_nll").GetArrayLength()));
        }
        var report = File.ReadAllText(Path.Combine(study.Folder, TwoDStudyReport.ReportFile));
        Assert.Contains("RealNVP's quality and the slit mechanism", report);
        foreach (var id in ids)
            Assert.Contains($"- {id}: the gap to the entropy is", report);
    }

    [Fact]
    public void TheReportLinksEveryRegimeAndStatesEveryVerdictAndThatQuickNumbersTestNothing()
    {
        var report = File.ReadAllText(Path.Combine(study.Folder, TwoDStudyReport.ReportFile));
        foreach (var regime in study.Result.Regimes)
            Assert.Contains($"]({regime.Regime.Id}/{StudyReport.ReportFile})", report);
        foreach (var (regime, verdict) in TwoDStudy.Verdicts(study.Result))
            Assert.Contains(verdict.Claim.Statement, report);
        Assert.Contains("do not test the paper's claims", report);
        Assert.Equal(study.Result.Regimes.SelectMany(r => r.Regime.Claims).Select(c => c.Statement).Distinct().Count(),
            TwoDStudyReport.Summary(TwoDStudy.Verdicts(study.Result)).Count);
    }

    [Fact]
    public void TwoQuickRunsWithTheSameSeedsGiveTheSameNumbers()
    {
        // Two regimes again (the positive control at κ = 10⁴ and the raw Swiss roll at noise 0.01, the one with the most
        // sampler steps): every metric, arm, seed and step equal bit for bit on the CPU, and so every verdict.
        var again = TwoDStudy.Run(QuickTwoDStudy.Settings,
            TwoDStudyRegimes.For(QuickTwoDStudy.Settings).Where(r => r.Id is "a-gaussian-kappa-1e4" or "c-swiss-roll-raw-noise-0.01").ToArray(), CPU);
        Assert.Equal(2, again.Regimes.Count);
        foreach (var second in again.Regimes)
        {
            var first = study.Result.Regimes.Single(r => r.Regime.Id == second.Regime.Id);
            Assert.Equal(first.Study.Arms.Select(a => a.Name), second.Study.Arms.Select(a => a.Name));
            foreach (var (a, b) in first.Study.Arms.Zip(second.Study.Arms))
            {
                Assert.Equal(a.LearningRate, b.LearningRate);
                foreach (var (key, perSeed) in a.Metrics)
                    Assert.Equal(perSeed.SelectMany(s => s), b.Metrics[key].SelectMany(s => s));
            }
            Assert.Equal(first.Regime.Claims.Select(c => ClaimVerdict.Check(c, first.Study).Outcome),
                second.Regime.Claims.Select(c => ClaimVerdict.Check(c, second.Study).Outcome));
        }
        var ablation = Assert.Single(again.Ablations);
        var before = study.Result.Ablations.Single(a => a.RegimeId == ablation.RegimeId);
        Assert.Equal(before.Entropy, ablation.Entropy);
        Assert.Equal(before.Levels.SelectMany(l => l.HeldOutNll.Concat(l.SlitCorrelation)), ablation.Levels.SelectMany(l => l.HeldOutNll.Concat(l.SlitCorrelation)));
    }
}
