using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Tests.Experiments;

/// <summary>A result is plain data: the sentences of a report are written from it by Reporting, not carried in it.</summary>
public class ExperimentResultTests
{
    [Fact]
    public void AnExperimentResultCarriesNoSentencesOnlyItsNameTitleAndBaseline()
    {
        // Any text member beyond these three (e.g. a list of findings) would be prose made by the experiment.
        var text = typeof(ExperimentResult).GetProperties()
            .Where(p => p.PropertyType == typeof(string) || typeof(IEnumerable<string>).IsAssignableFrom(p.PropertyType))
            .Select(p => p.Name)
            .Order();
        Assert.Equal(["BaselineArm", "Id", "Title"], text);
    }

    [Fact]
    public void HalfAndEndPickTheFirstPointAtOrAfterHalfOfTheLastStepAndTheLastPoint()
    {
        CurvePoint[] curve = [new(0, 5), new(40, 4), new(90, 3), new(110, 2), new(200, 1)];
        var (half, end) = CurvePoint.HalfAndEnd(curve);
        // Half of step 200 is 100: step 90 is before it, 110 the first point at or after it.
        Assert.Equal(new CurvePoint(110, 2), half);
        Assert.Equal(new CurvePoint(200, 1), end);
        Assert.Throws<ArgumentException>(() => CurvePoint.HalfAndEnd([]));
    }
}
