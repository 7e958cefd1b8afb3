using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Tests.Experiments;

/// <summary>
/// The structure and sanity of the reproduced 2D experiments with the quick budget: every arm and seed present, every
/// number finite, every figure written, the reports linked. Not the paper's conclusions: the quick budget is too small.
/// </summary>
public class TwoDReproductionTests(QuickReproduction run) : IClassFixture<QuickReproduction>
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
        Assert.All(Result(id).Findings.Where(f => f.Length > 0), finding => Assert.Contains(finding, report));
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
            Assert.All(result.Findings.Where(f => f.Length > 0), finding => Assert.Contains(finding, overview));
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
