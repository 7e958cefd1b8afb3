using PrecondFlow.Reporting.Studies;

namespace PrecondFlow.Tests.Reporting;

/// <summary>Each arm's scatter figure gets a file name that is safe on every file system and tells the arm.</summary>
public class RegimeFiguresTests
{
    [Theory]
    [InlineData("none", "samples-none.png")]
    [InlineData("source:whiten", "samples-source-whiten.png")]
    [InlineData("whiten+realnvp", "samples-whiten-realnvp.png")]
    [InlineData("none+steps(realnvp)", "samples-none-steps-realnvp.png")]
    public void TheFileNameKeepsLettersAndDigitsAndJoinsTheRestWithDashes(string arm, string file) =>
        Assert.Equal(file, RegimeFigures.FileName(arm));
}
