using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Reporting.Narratives;
using PrecondFlow.Tests.Experiments;

namespace PrecondFlow.Tests.Reporting;

/// <summary>
/// The report folder of the quick all-2d run: every figure written and embedded, results.json with every arm per seed and as
/// mean ± std, the top-level report linking each experiment, and every sentence of the result paragraph in the reports.
/// </summary>
[Collection(QuickReproduction.Collection)]
public class TwoDReproductionReportTests(QuickReproduction run)
{
    public static TheoryData<string, string[]> ExperimentArms => TwoDReproductionTests.ExperimentArms;

    private ExperimentResult Result(string id) => run.Results.Single(r => r.Id == id);

    [Theory, MemberData(nameof(ExperimentArms))]
    public void EachExperimentFolderHoldsItsReportResultsAndEveryFigureItEmbeds(string id, string[] arms)
    {
        var folder = Path.Combine(run.Folder, id);
        var report = File.ReadAllText(Path.Combine(folder, ExperimentReport.ReportFile));
        var embedded = Regex.Matches(report, @"!\[[^\]]*\]\(([^)]+\.png)\)").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(Result(id).Figures.Select(f => f.File), embedded);
        foreach (var png in embedded)
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, png));
            Assert.True(bytes.Length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{id}/{png} is not a PNG");
        }
        foreach (var arm in Result(id).Arms)
            Assert.Contains($"| {arm.Label} |", report);
        Assert.Contains("## Fairness", report);
        Assert.Contains("## What the numbers say", report);
        Assert.All(Narrative.For(Result(id)).Findings.Where(f => f.Length > 0), finding => Assert.Contains(finding, report));
        Assert.Empty(Directory.GetFiles(run.Folder, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(arms.Length, Result(id).Arms.Count);
    }

    [Theory, MemberData(nameof(ExperimentArms))]
    public void ResultsJsonHoldsEveryArmPerSeedAndAsMeanAndStd(string id, string[] arms)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Folder, id, ExperimentReport.ResultsFile)));
        var root = json.RootElement;
        Assert.Equal(id, root.GetProperty("experiment").GetString());
        Assert.True(root.GetProperty("configuration").GetProperty("main_flow").GetProperty("parameters").GetInt64() > 0);
        var jsonArms = root.GetProperty("arms").EnumerateArray().ToArray();
        Assert.Equal(arms, jsonArms.Select(a => a.GetProperty("name").GetString()));
        var result = Result(id);
        foreach (var (element, arm) in jsonArms.Zip(result.Arms))
        {
            Assert.Equal(QuickReproduction.Seeds, element.GetProperty("per_seed").GetArrayLength());
            foreach (var metric in result.Metrics)
            {
                // The summary must be the mean and sample standard deviation of the file's own per-seed values,
                // recomputed here by hand rather than by the code that wrote it.
                var values = element.GetProperty("per_seed").EnumerateArray()
                    .Select(r => r.GetProperty("metrics").GetProperty(metric.Key).GetDouble()).ToArray();
                var (mean, std) = HandMeanStd(values);
                var summary = element.GetProperty("summary").GetProperty(metric.Key);
                AssertClose(mean, summary.GetProperty("mean").GetDouble(), $"{id} {arm.Name} {metric.Key} mean");
                AssertClose(std, summary.GetProperty("std").GetDouble(), $"{id} {arm.Name} {metric.Key} std");
            }
            Assert.True(element.GetProperty("seconds").GetProperty("total_training").GetProperty("mean").GetDouble() > 0);
        }
        Assert.NotEmpty(root.GetProperty("findings").EnumerateArray());
    }

    [Fact]
    public void TheTopLevelReportLinksEveryExperimentAndQuotesItsParagraph()
    {
        var overview = File.ReadAllText(Path.Combine(run.Folder, ExperimentReport.ReportFile));
        foreach (var result in run.Results)
        {
            Assert.Contains($"]({result.Id}/report.md)", overview);
            Assert.All(Narrative.For(result).Findings.Where(f => f.Length > 0), finding => Assert.Contains(finding, overview));
        }
        Assert.Contains("quick", overview);
        Assert.True(File.Exists(Path.Combine(run.Folder, ExperimentReport.ResultsFile)));
    }

    [Fact]
    public void TheParagraphQuotesTheTablesNumbers()
    {
        // Every comparison sentence quotes the arm's and the baseline's mean ± std exactly as the table prints them:
        // mean to three significant digits, sample standard deviation to two, recomputed here from the per-seed values.
        var table1 = Result(SwissRollExperiment.Id);
        var report = File.ReadAllText(Path.Combine(run.Folder, SwissRollExperiment.Id, ExperimentReport.ReportFile));
        var paragraph = ExperimentReport.Paragraph(table1);
        foreach (var arm in table1.Arms)
        {
            var (mean, std) = HandMeanStd(arm.Runs.Select(r => r.Metrics[SwissRollExperiment.SwGaussianToData.Key]).ToArray());
            var printed = string.Create(CultureInfo.InvariantCulture, $"{mean:G3} ± {std:G2}");
            Assert.Contains(printed, paragraph);
            Assert.Contains($"| {printed} |", report);
        }
    }

    [Theory, MemberData(nameof(ExperimentArms))]
    public void EachReportPrintsItsIntroductionAndFairnessRulesAndTheRulesNameTheSeeds(string id, string[] arms)
    {
        var narrative = Narrative.For(Result(id));
        var report = File.ReadAllText(Path.Combine(run.Folder, id, ExperimentReport.ReportFile));
        Assert.NotEmpty(narrative.Introduction);
        Assert.All(narrative.Introduction, paragraph => Assert.Contains(paragraph + "\n\n", report));
        Assert.NotEmpty(narrative.Fairness);
        Assert.All(narrative.Fairness, rule => Assert.Contains($"- {rule}\n", report));
        // The seeds the arms ran with, as they ran: "the seeds 0, 1".
        Assert.Contains(narrative.Fairness, rule => rule.Contains($"the seeds {string.Join(", ", Result(id).Seeds)};"));
        Assert.Equal(arms.Length, Result(id).Arms.Count);
    }

    private static (double Mean, double Std) HandMeanStd(double[] values)
    {
        double mean = 0;
        foreach (var v in values)
            mean += v / values.Length;
        double squares = 0;
        foreach (var v in values)
            squares += (v - mean) * (v - mean);
        return (mean, values.Length > 1 ? Math.Sqrt(squares / (values.Length - 1)) : 0);
    }

    // Two summations of the same few doubles in different orders: agree to a few ulps.
    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
}
