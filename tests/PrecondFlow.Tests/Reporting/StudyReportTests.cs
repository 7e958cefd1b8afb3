using System.Text.Json;
using PrecondFlow.Reporting.Studies;
using PrecondFlow.Tests.Experiments.Studies;

namespace PrecondFlow.Tests.Reporting;

/// <summary>The study folder: study.json in its contract (settings; arms × metrics × seeds × steps), curves.png, and a
/// report.md that links it and states the speed-up and plateau verdicts.</summary>
public class StudyReportTests(TinyStudy study) : IClassFixture<TinyStudy>
{
    private static readonly string[] RequiredMetrics =
        ["sliced_wasserstein", "mmd", "precision", "recall", "spectrum_min_ratio", "spectrum_max_ratio", "whitened_sliced_wasserstein"];

    [Fact]
    public void StudyJsonFollowsTheContract()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(study.Folder, StudyReport.ResultsFile)));
        var root = json.RootElement;
        Assert.Equal(JsonValueKind.Object, root.GetProperty("settings").ValueKind);
        Assert.Equal(TinyStudy.Seeds, root.GetProperty("settings").GetProperty("seeds").GetInt32());
        var arms = root.GetProperty("arms").EnumerateArray().ToArray();
        Assert.Equal(study.Result.Arms.Count, arms.Length);
        foreach (var arm in arms)
        {
            Assert.False(string.IsNullOrEmpty(arm.GetProperty("name").GetString()));
            Assert.True(arm.GetProperty("lr").GetDouble() > 0);
            int steps = arm.GetProperty("steps").GetArrayLength();
            var metrics = arm.GetProperty("metrics");
            foreach (var key in RequiredMetrics)
            {
                var perSeed = metrics.GetProperty(key).EnumerateArray().ToArray();
                Assert.Equal(TinyStudy.Seeds, perSeed.Length);
                Assert.All(perSeed, s => Assert.Equal(steps, s.GetArrayLength()));
            }
            Assert.Equal(TinyStudy.Seeds, arm.GetProperty("preconditioner_seconds").GetArrayLength());
            Assert.Equal(TinyStudy.Seeds, arm.GetProperty("train_seconds").GetArrayLength());
        }
    }

    [Fact]
    public void CurvesPngIsAPngAndTheReportLinksIt()
    {
        var png = File.ReadAllBytes(Path.Combine(study.Folder, StudyReport.CurvesFile));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4));
        var report = File.ReadAllText(Path.Combine(study.Folder, StudyReport.ReportFile));
        Assert.Contains($"]({StudyReport.CurvesFile})", report);
    }

    [Fact]
    public void TheReportHasTheSpeedUpPlateauAndWallTimeSections()
    {
        var report = File.ReadAllText(Path.Combine(study.Folder, StudyReport.ReportFile));
        Assert.Contains("## Speed-up", report);
        Assert.Contains("## Plateau test", report);
        Assert.Contains("total without P", report);
        Assert.Contains("FLOP-equivalents", report);
        foreach (var arm in study.Result.Arms)
            Assert.Contains($"| {arm.Name} |", report);
    }
}
