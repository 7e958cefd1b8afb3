using PrecondFlow.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Metrics;

public class SlicedWassersteinTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void IdenticalSetsAreAtDistanceZero(int order)
    {
        using var generator = new Generator(1);
        using var a = randn(300, 3, generator: generator);
        Assert.Equal(0.0, SlicedWasserstein.Compute(a, a.clone(), order));
    }

    [Theory]
    [InlineData(1, 0.7)]
    [InlineData(2, 0.7)]
    [InlineData(1, -2.5)]
    [InlineData(2, -2.5)]
    public void ShiftingAOneDimensionalSetByCMovesItByExactlyC(int order, double shift)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(2);
        var a = randn(500, 1, dtype: ScalarType.Float64, generator: generator);
        // In 1-D every direction is ±1 and W_p of a set and its translate is |c| (the quantile functions
        // differ by c everywhere): exact up to round-off.
        Assert.Equal(Math.Abs(shift), SlicedWasserstein.Compute(a, a + shift, order), 12);
        // Unequal sizes: the same set listed twice is the same empirical measure, so the distance to the
        // translate of size n from the copy of size 2n is still |c|, through the merged-breakpoint integral.
        var twice = cat(new[] { a, a }, 0);
        Assert.Equal(Math.Abs(shift), SlicedWasserstein.Compute(twice, a + shift, order), 12);
    }

    [Fact]
    public void UnequalSizesIntegrateTheStepQuantileFunctionsExactly()
    {
        using var a = tensor(new[] { 0.0, 1.0 }).reshape(2, 1);
        using var b = tensor(new[] { 0.0, 0.5, 1.0 }).reshape(3, 1);
        // F⁻¹ is 0 on (0, ½], 1 on (½, 1]; G⁻¹ is 0, ½, 1 on thirds: they differ by ½ on (⅓, ⅔),
        // so W₁ = ½·⅓ = 1/6 and W₂² = ¼·⅓ = 1/12.
        Assert.Equal(1.0 / 6, SlicedWasserstein.Compute(a, b, order: 1), 12);
        Assert.Equal(Math.Sqrt(1.0 / 12), SlicedWasserstein.Compute(a, b, order: 2), 12);
    }

    [Fact]
    public void AShiftAlongOneAxisInThreeDimensionsGivesTheSphereAverage()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var a = randn(400, 3, dtype: ScalarType.Float64, generator: generator);
        var b = a + tensor(new[] { 2.0, 0, 0 });
        // Per direction θ, W₂ = 2|θ₁|, and E θ₁² = 1/3 on the sphere, so SW₂ → 2/√3. With 2048 directions
        // the Monte-Carlo error of the mean of θ₁² is √(0.089/2048)/(1/3) ≈ 2% (1% on SW₂); 4% is 4σ.
        var sw2 = SlicedWasserstein.Compute(a, b, order: 2, projections: 2048);
        Assert.InRange(sw2 / (2 / Math.Sqrt(3)), 0.96, 1.04);
    }

    [Fact]
    public void IsSymmetricAndReproducibleWithTheSeed()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var a = randn(200, 2, generator: generator);
        var b = randn(150, 2, generator: generator) * 2;
        Assert.Equal(SlicedWasserstein.Compute(a, b, seed: 5), SlicedWasserstein.Compute(b, a, seed: 5), 12);
        Assert.Equal(SlicedWasserstein.Compute(a, b, seed: 5), SlicedWasserstein.Compute(a, b, seed: 5));
        Assert.NotEqual(SlicedWasserstein.Compute(a, b, seed: 5), SlicedWasserstein.Compute(a, b, seed: 6));
    }

    [Fact]
    public void AnOrderOtherThanOneOrTwoIsRejected()
    {
        using var a = zeros(3, 2);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SlicedWasserstein.Compute(a, a, order: 3));
        Assert.Contains("1 or 2", error.Message);
    }
}
