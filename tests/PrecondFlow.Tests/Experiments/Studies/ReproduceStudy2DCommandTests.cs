using PrecondFlow.Tests.Cli;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>`precondflow reproduce study-2d` on the command line rejects what it cannot honour before running anything.</summary>
public class ReproduceStudy2DCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-study-2d-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Out => Path.Combine(folder, "report");

    [Fact]
    public void FewerThanThreeSeedsAreRejectedAndNothingIsWritten()
    {
        var outcome = CliRunner.Run("reproduce", "study-2d", "--quick", "--seeds", "2", "--out", Out);
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
}
