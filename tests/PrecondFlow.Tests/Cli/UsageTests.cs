namespace PrecondFlow.Tests.Cli;

/// <summary>Help names the command as users type it, `precondflow`, not after the executable that happens to run it
/// (PrecondFlow.Cli under `dotnet run`, the test host here).</summary>
public class UsageTests
{
    [Fact]
    public void TheUsageLineNamesTheCommandPrecondflow()
    {
        var outcome = CliRunner.Run("--help");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("Usage:\n  precondflow [command] [options]", outcome.Out.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("PrecondFlow.Cli", outcome.Out);
        Assert.DoesNotContain("testhost", outcome.Out);
    }

    [Fact]
    public void ASubcommandsUsageLineStartsWithPrecondflow()
    {
        var outcome = CliRunner.Run("train", "--help");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("Usage:\n  precondflow train [options]", outcome.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void VersionIsStillAnswered()
    {
        var outcome = CliRunner.Run("--version");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", outcome.Out.Trim());
    }
}
