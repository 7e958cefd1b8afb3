using PrecondFlow.Reporting.Studies;

namespace PrecondFlow.Tests.Cli;

/// <summary>`precondflow study` from the command line: a tiny run writes its folder; a bad grid is refused up front.</summary>
public class StudyCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-study-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Out => Path.Combine(folder, "study");

    [Fact]
    public void ATinyStudyWritesStudyJsonCurvesAndReport()
    {
        var outcome = CliRunner.Run("study", "--data", "elongated-gaussian", "--kappa", "100", "--count", "600", "--arms", "none,whiten",
            "--steps", "40", "--first-eval", "20", "--warmup", "5", "--seeds", "1", "--samples", "100", "--sampler-steps", "4",
            "--hidden", "8", "--out", Out, "--cache-dir", Path.Combine(folder, "cache"));
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        foreach (var file in new[] { StudyReport.ResultsFile, StudyReport.CurvesFile, StudyReport.ReportFile })
            Assert.True(File.Exists(Path.Combine(Out, file)), $"{file} is missing");
        Assert.Contains("precondflow study --data elongated-gaussian", File.ReadAllText(Path.Combine(Out, StudyReport.ResultsFile)));
        // 2 arms × 1 rate trials and 2 arms × 1 seed, each kept in the cache as soon as it finished.
        Assert.Equal(4, Directory.GetDirectories(Path.Combine(folder, "cache", "study")).Length);
    }

    [Fact]
    public void ALearningRateThatIsNotANumberIsRefusedAndNothingIsWritten()
    {
        var outcome = CliRunner.Run("study", "--lr-grid", "1e-3,fast", "--out", Out);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("'fast'", outcome.Error);
        Assert.False(Directory.Exists(Out));
    }
}
