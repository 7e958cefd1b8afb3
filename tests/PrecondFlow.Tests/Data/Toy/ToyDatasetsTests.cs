using PrecondFlow.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

public class ToyDatasetsTests
{
    public static TheoryData<string> AllNames => new(ToyDatasets.Names);

    [Theory, MemberData(nameof(AllNames))]
    public void SamplesAreFiniteFloat32PointsOfTheRequestedCount(string name)
    {
        using var scope = NewDisposeScope();
        var cloud = ToyDatasets.Create(name, 1000, seed: 1);
        Assert.Equal(new long[] { 1000, 2 }, cloud.Points.shape);
        Assert.Equal(ScalarType.Float32, cloud.Points.dtype);
        Assert.True(isfinite(cloud.Points).all().item<bool>());
    }

    [Theory, MemberData(nameof(AllNames))]
    public void Float64SamplesRoundToTheFloat32SampleOfTheSameSeed(string name)
    {
        using var scope = NewDisposeScope();
        var wide = ToyDatasets.Create(name, 500, seed: 7, dtype: ScalarType.Float64);
        var narrow = ToyDatasets.Create(name, 500, seed: 7);
        Assert.Equal(ScalarType.Float64, wide.Points.dtype);
        TensorBits.AssertIdentical(wide.Points.to(ScalarType.Float32), narrow.Points);
    }

    [Theory, MemberData(nameof(AllNames))]
    public void TheSameSeedGivesTheSameSampleAndAnotherSeedAnother(string name)
    {
        using var scope = NewDisposeScope();
        var first = ToyDatasets.Create(name, 300, seed: 42);
        var again = ToyDatasets.Create(name, 300, seed: 42);
        var other = ToyDatasets.Create(name, 300, seed: 43);
        TensorBits.AssertIdentical(first.Points, again.Points);
        if (first.Labels is not null)
            TensorBits.AssertIdentical(first.Labels, again.Labels!);
        Assert.False(first.Points.eq(other.Points).all().item<bool>());
    }

    [Theory, MemberData(nameof(AllNames))]
    public void LabelsAreInt64InRangeAndEveryClassOccurs(string name)
    {
        using var scope = NewDisposeScope();
        var dataset = ToyDatasets.FromName(name);
        var cloud = dataset.Sample(2000, seed: 3);
        Assert.Equal(dataset.NumClasses, cloud.NumClasses);
        if (dataset.NumClasses == 0)
        {
            Assert.Null(cloud.Labels);
            return;
        }
        var labels = cloud.Labels!;
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(new long[] { 2000 }, labels.shape);
        Assert.True(labels.min().item<long>() >= 0);
        Assert.True(labels.max().item<long>() < dataset.NumClasses);
        // With 2000 draws and no class rarer than 1/8, a class goes missing with probability < 8·(7/8)^2000 ≈ 1e-115: only through a bug.
        Assert.Equal(dataset.NumClasses, labels.unique().output.numel());
    }

    [Theory, MemberData(nameof(AllNames))]
    public void ConsecutiveDrawsFromOneGeneratorDiffer(string name)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var dataset = ToyDatasets.FromName(name);
        var first = dataset.Sample(100, generator);
        var second = dataset.Sample(100, generator);
        Assert.False(first.Points.eq(second.Points).all().item<bool>());
    }

    [Fact]
    public void EveryNameBuildsTheDatasetOfThatName()
    {
        foreach (var name in ToyDatasets.Names)
            Assert.Equal(name, ToyDatasets.FromName(name).Name);
    }

    [Fact]
    public void NamesAreCaseInsensitive() =>
        Assert.IsType<SwissRoll>(ToyDatasets.FromName(" Swiss-Roll "));

    [Theory]
    [InlineData("swissroll", "swiss-roll")]
    [InlineData("Swiss_Roll", "swiss-roll")]
    [InlineData("8-gaussians", "8gaussians")]
    [InlineData("moon", "moons")]
    [InlineData("checker", "checkerboard")]
    [InlineData("gausian-mixture", "gaussian-mixture")]
    [InlineData("elongated", "elongated-gaussian")]
    public void AnUnknownNameListsTheNamesAndSuggestsTheClosest(string typed, string suggested)
    {
        var error = Assert.Throws<ArgumentException>(() => ToyDatasets.FromName(typed));
        Assert.Equal("name", error.ParamName);
        Assert.StartsWith($"Unknown data set '{typed}'. Known data sets: swiss-roll, checkerboard, 8gaussians, moons, elongated-gaussian, gaussian-mixture.", error.Message);
        Assert.Contains($"Did you mean '{suggested}'?", error.Message);
    }

    [Fact]
    public void AnUnknownNameFarFromAllGetsNoSuggestion()
    {
        var error = Assert.Throws<ArgumentException>(() => ToyDatasets.Create("mnist", 10, 0));
        Assert.Contains("Unknown data set 'mnist'", error.Message);
        Assert.DoesNotContain("Did you mean", error.Message);
    }

    [Fact]
    public void OptionsReachTheDatasetsTheyConcern()
    {
        var elongated = Assert.IsType<ElongatedGaussian>(ToyDatasets.FromName("elongated-gaussian", new(Kappa: 10, AngleDegrees: 45, MaxVariance: 2)));
        Assert.Equal((10.0, 45.0, 2.0), (elongated.Kappa, elongated.AngleDegrees, elongated.MaxVariance));
        Assert.Equal(0.3, Assert.IsType<SwissRoll>(ToyDatasets.FromName("swiss-roll", new(Noise: 0.3))).Noise);
        Assert.Equal(0.3, Assert.IsType<TwoMoons>(ToyDatasets.FromName("moons", new(Noise: 0.3))).Noise);
        var gaussians = Assert.IsType<EightGaussians>(ToyDatasets.FromName("8gaussians", new(Noise: 0.3, Radius: 4)));
        Assert.Equal((4.0, 0.3), (gaussians.Radius, gaussians.Std));
        Assert.Equal(4.0, Assert.IsType<Checkerboard>(ToyDatasets.FromName("checkerboard", new(Extent: 4))).Extent);
    }

    [Fact]
    public void DefaultsAreTheDocumentedOnes()
    {
        Assert.Equal(0.05, Assert.IsType<SwissRoll>(ToyDatasets.FromName("swiss-roll")).Noise);
        Assert.Equal(0.05, Assert.IsType<TwoMoons>(ToyDatasets.FromName("moons")).Noise);
        Assert.Equal(0.2, Assert.IsType<EightGaussians>(ToyDatasets.FromName("8gaussians")).Std);
        Assert.Equal(100.0, Assert.IsType<ElongatedGaussian>(ToyDatasets.FromName("elongated-gaussian")).Kappa);
        Assert.Equal(3, Assert.IsType<GaussianMixture>(ToyDatasets.FromName("gaussian-mixture")).Components);
    }

    public static TheoryData<ToyDatasetOptions, string> BadOptions => new()
    {
        { new ToyDatasetOptions(Noise: -0.1), "Noise" },
        { new ToyDatasetOptions(Noise: double.NaN), "Noise" },
        { new ToyDatasetOptions(Kappa: 0.5), "Kappa" },
        { new ToyDatasetOptions(AngleDegrees: double.PositiveInfinity), "AngleDegrees" },
        { new ToyDatasetOptions(MaxVariance: 0), "MaxVariance" },
        { new ToyDatasetOptions(Radius: -2), "Radius" },
        { new ToyDatasetOptions(Extent: 0), "Extent" },
    };

    [Theory, MemberData(nameof(BadOptions))]
    public void ValidateNamesTheValueOutOfRange(ToyDatasetOptions options, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(parameter, error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ToyDatasets.FromName("moons", options));
    }

    [Fact]
    public void ACountBelowOneOrAnIntegerDtypeIsRejected()
    {
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => ToyDatasets.Create("moons", 0, 1)).ParamName);
        Assert.Equal("dtype", Assert.Throws<ArgumentOutOfRangeException>(() => ToyDatasets.Create("moons", 5, 1, dtype: ScalarType.Int64)).ParamName);
    }
}
