using PrecondFlow.Tests.Cli;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>`precondflow reproduce study-2d` (and the paper's 2D experiments, its regimes) on the command line rejects what it
/// cannot honour before running anything, and gives the same numbers however many jobs run at a time.</summary>
public class ReproduceStudy2DCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-study-2d-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Out => Path.Combine(folder, "report");

    [Theory]
    [InlineData("study-2d")]
    [InlineData("fig2")]
    [InlineData("table1")]
    [InlineData("fig11")]
    [InlineData("all-2d")]
    public void FewerThanThreeSeedsAreRejectedAndNothingIsWritten(string experiment)
    {
        var outcome = CliRunner.Run("reproduce", experiment, "--quick", "--seeds", "2", "--out", Out);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("at least 3 paired seeds", System.Text.RegularExpressions.Regex.Replace(outcome.Error, @"\s+", " "));
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void ImageOptionsAreRejectedForStudy2D()
    {
        var outcome = CliRunner.Run("reproduce", "study-2d", "--quick", "--dataset", "mnist", "--out", Out);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("study-2d", outcome.Error);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void JobsInChildProcessesGiveTheNumbersOfOneProcess()
    {
        var one = CliRunner.Run("reproduce", "fig2", "--quick", "--workers", "1", "--out", Path.Combine(folder, "one"));
        var two = CliRunner.Run("reproduce", "fig2", "--quick", "--workers", "2", "--out", Path.Combine(folder, "two"));

        Assert.True(one.ExitCode == 0, one.Error);
        Assert.True(two.ExitCode == 0, two.Error);
        foreach (var regime in new[] { "a-gaussian-kappa-1e2", "a-gaussian-kappa-1e4" })
            Assert.Equal(ChildProcessKills.Numbers(Path.Combine(folder, "one", regime, "study.json")), ChildProcessKills.Numbers(Path.Combine(folder, "two", regime, "study.json")));
        Assert.Equal(ChildProcessKills.Numbers(Path.Combine(folder, "one", "claims.json")), ChildProcessKills.Numbers(Path.Combine(folder, "two", "claims.json")));
    }

    [Fact]
    public void WorkersAreRejectedOutsideThe2DStudies()
    {
        var outcome = CliRunner.Run("reproduce", "couplings", "--quick", "--workers", "2", "--out", Out);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--workers", outcome.Error);
        Assert.False(Directory.Exists(Out));
    }
}
