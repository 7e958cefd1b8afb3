using PrecondFlow.Data.Toy;
using PrecondFlow.Metrics;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

public class GeneratingCurveTests
{
    public static TheoryData<string> CurvedDatasets => new() { "swiss-roll", "moons" };

    [Theory, MemberData(nameof(CurvedDatasets))]
    public void NoiseFreeSamplesLieOnTheGeneratingCurve(string name)
    {
        using var scope = NewDisposeScope();
        var dataset = ToyDatasets.FromName(name, new ToyDatasetOptions(Noise: 0));
        var curve = Assert.IsAssignableFrom<IHasGeneratingCurve>(dataset);
        var points = dataset.Sample(3000, seed: 1, ScalarType.Float64).Points;
        // The curve must be the sampler's own curve, with its scale: distances at round-off, not at the noise level.
        Assert.True(CurveDistance.Compute(points, curve.GeneratingCurve).max().item<double>() < 1e-9);
    }

    [Theory, MemberData(nameof(CurvedDatasets))]
    public void TheNoiseIsTheDataSetsNoise(string name)
    {
        var dataset = ToyDatasets.FromName(name, new ToyDatasetOptions(Noise: 0.07));
        Assert.Equal(0.07, ((IHasGeneratingCurve)dataset).Noise);
    }
}
