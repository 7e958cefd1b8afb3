using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Tests.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>The regimes of study-2d are what the study plan says: (a) κ = 10², 10⁴; (b) a mixture with per-class κ up
/// to 10³ in different orientations; (c) the Swiss roll at two scales and two noises, ODE steps growing like 1/σ.</summary>
public class TwoDStudyRegimesTests
{
    private static readonly IReadOnlyList<StudyRegime> Regimes = TwoDStudyRegimes.For(new TwoDStudySettings(Seeds: 3, Quick: true));

    [Fact]
    public void EveryRegimeRunsAtLeastThreePairedSeedsWithTheArmsOfThePlan()
    {
        Assert.Equal(["a", "a", "b", "c", "c", "c", "c", "d"], Regimes.Select(r => r.Group));
        Assert.All(Regimes.Where(r => r.Group != "d"), r => Assert.Equal(3, r.Options.Seeds));
        var transport = Regimes.Single(r => r.Group == "d");
        Assert.Equal(TwoDStudyRegimes.TransportSeeds, transport.Options.Seeds);
        Assert.Equal(["none", "whiten", "source:whiten", "flow", "source:flow"], transport.Options.ArmSpecs);
        Assert.NotNull(transport.Data.Source);
        Assert.Null(transport.Data.Source!.Labels);
        Assert.All(Regimes.Where(r => r.Group is "a" or "c"), r => Assert.Equal(["none", "whiten", "realnvp", "flow"], r.Options.ArmSpecs));
        Assert.Equal(["none", "whiten", "class-whiten", "realnvp"], Regimes.Single(r => r.Group == "b").Options.ArmSpecs);
        Assert.Equal(Regimes.Count, Regimes.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void FewerThanThreeSeedsAreRejected() =>
        Assert.Equal("Seeds", Assert.Throws<ArgumentOutOfRangeException>(() => TwoDStudyRegimes.For(new TwoDStudySettings(Seeds: 2))).ParamName);

    [Fact]
    public void TheSamplersStepsGrowLikeOneOverTheNoise()
    {
        foreach (var scale in new[] { "unit", "raw" })
        {
            var at005 = Regimes.Single(r => r.Id == $"c-swiss-roll-{scale}-noise-0.05").Options.SolverSteps;
            var at001 = Regimes.Single(r => r.Id == $"c-swiss-roll-{scale}-noise-0.01").Options.SolverSteps;
            Assert.Equal(5 * at005, at001);
        }
    }

    [Fact]
    public void TheRawSwissRollIsTheUnitRollTimesSevenWithItsCurve()
    {
        using var scope = NewDisposeScope();
        foreach (var noise in new[] { "0.05", "0.01" })
        {
            var unit = Regimes.Single(r => r.Id == $"c-swiss-roll-unit-noise-{noise}").Data;
            var raw = Regimes.Single(r => r.Id == $"c-swiss-roll-raw-noise-{noise}").Data;
            // Same data seed, same draws: the raw roll is 7× the unit roll up to float32 rounding (|x| ≤ 15: ~1e-6).
            Assert.True((raw.Points.Points - SwissRoll.Divisor * unit.Points.Points).abs().max().item<float>() < 1e-4);
            Assert.Equal(SwissRoll.Divisor * unit.Curve!.Noise, raw.Curve!.Noise, 1e-12);
            var t = tensor(new[] { 2 * Math.PI }, ScalarType.Float64);
            Assert.Equal(2 * Math.PI, raw.Curve.GeneratingCurve[0].Point(t)[0, 0].item<double>(), 1e-12);
            Assert.Equal(2 * Math.PI / 7, unit.Curve.GeneratingCurve[0].Point(t)[0, 0].item<double>(), 1e-12);
        }
    }

    [Fact]
    public void TheMixturesClassesHaveTheirConditionNumbersAndOrientations()
    {
        using var scope = NewDisposeScope();
        var points = TwoDStudyRegimes.Mixture().Sample(60_000, seed: 1, ScalarType.Float64);
        double[] kappas = [1e3, 1e2, 1e1];
        double[] angles = [0, 60, 120];
        for (int k = 0; k < 3; k++)
        {
            var members = points.Points[points.Labels!.eq(k)];
            var (values, vectors) = linalg.eigh(Moments.Covariance(members));
            double small = values[0].item<double>(), large = values[1].item<double>();
            // ≈ 20 000 points a class: the relative standard error of an eigenvalue is √(2/n) ≈ 1%, so the ratio is within 5%.
            Assert.InRange(large / small, 0.95 * kappas[k], 1.05 * kappas[k]);
            Assert.InRange(large, 0.95, 1.05);
            // The long axis points along (cos θ, sin θ), up to sign. The eigenvector's angle error is about 1/√n ≈ 0.007 rad
            // (less for larger κ), so |cos| > 0.999 (an angle below 0.045 rad) holds, and fails for the other classes' 60° turns.
            var (s, c) = Math.SinCos(angles[k] * Math.PI / 180);
            double alignment = Math.Abs(vectors[0, 1].item<double>() * c + vectors[1, 1].item<double>() * s);
            Assert.True(alignment > 0.999, $"class {k}: |cos| = {alignment}");
        }
    }
}
