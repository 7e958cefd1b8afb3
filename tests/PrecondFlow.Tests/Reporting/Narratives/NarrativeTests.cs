using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Reporting.Narratives;

namespace PrecondFlow.Tests.Reporting.Narratives;

/// <summary>Which sentences a result gets, and how the result paragraph is joined.</summary>
public class NarrativeTests
{
    private static ExperimentResult ResultWith(object options) => new("other", "Another experiment", "none", [], [], [], options,
        new { }, [0, 1], 1.0, new Dictionary<string, IReadOnlyList<double>>());

    [Fact]
    public void AResultOfAnExperimentWithoutANarrativeGetsNoSentences()
    {
        var narrative = Narrative.For(ResultWith(options: "no options record"));
        Assert.Same(Narrative.Empty, narrative);
        Assert.Equal("", narrative.Paragraph);
    }

    [Fact]
    public void TheParagraphJoinsTheFindingsThatSaySomethingWithOneSpace()
    {
        var narrative = new Narrative([], ["First.", "", "Second.", "", "Third."], []);
        Assert.Equal("First. Second. Third.", narrative.Paragraph);
    }
}
