using PrecondFlow.Couplings;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Couplings;

/// <summary>Log-domain Sinkhorn: a plan with the right marginals that tends to the exact OT plan as ε → 0.</summary>
public class SinkhornCouplingTests
{
    private static (Tensor X0, Tensor X1) Points(long seed, int n = 12)
    {
        using var g = new Generator((ulong)seed);
        return (randn(n, 2, dtype: ScalarType.Float64, generator: g), randn(n, 2, dtype: ScalarType.Float64, generator: g) + 1);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void ThePlansMarginalsAreUniformToTheTolerance(double epsilon)
    {
        var (x0, x1) = Points(1, n: 64);
        var plan = new SinkhornCoupling(epsilon, maxIterations: 20_000, tolerance: 1e-8).Plan(x0, x1);
        // Rows: stopped at an L1 error below 1e-8; columns: exact after each g update up to float64 rounding.
        double rowError = (plan.sum(1) - 1.0 / 64).abs().sum().item<double>();
        Assert.True(rowError < 1e-8, $"row marginal L1 error {rowError}");
        double columnError = (plan.sum(0L) - 1.0 / 64).abs().sum().item<double>();
        Assert.True(columnError < 1e-12, $"column marginal L1 error {columnError}");
        Assert.True(plan.min().item<double>() >= 0);
    }

    [Fact]
    public void ThePlanTendsToTheExactOneAsEpsilonShrinks()
    {
        var (x0, x1) = Points(2);
        using var g = new Generator(0);
        var exact = new ExactOtCoupling().Pair(x0, x1, null, null, g);
        var permutation = zeros(12, 12, dtype: ScalarType.Float64).index_put_(tensor(1.0 / 12, ScalarType.Float64), exact.SourceIndex, exact.TargetIndex);
        var errors = new[] { 1.0, 0.3, 0.1, 0.03, 0.01, 0.003 }
            .Select(eps => (new SinkhornCoupling(eps, maxIterations: 200_000, tolerance: 1e-4).Plan(x0, x1) - permutation).abs().sum().item<double>())
            .ToArray();
        for (int i = 1; i < errors.Length; i++)
            Assert.True(errors[i] <= errors[i - 1] + 1e-9, $"L1 distance to the exact plan grew: {string.Join(", ", errors)}");
        // Both plans have mass 1, so the L1 distance is at most 2; at ε = 0.003 (costs here are of order 1–10) the
        // entropic plan puts all but under one percent of its mass on the exact assignment (measured 0.0015; 0.09 at
        // ε = 0.01). Marginals to 1e-4 move the plan by about as much, far below these distances, in a second instead of
        // the half minute that 1e-6 and ε = 0.001 took.
        Assert.True(errors[^1] < 0.01, $"L1 distance to the exact plan: {string.Join(", ", errors)}");
        Assert.True(errors[0] > 0.5, $"at ε = 1 the plan should still be diffuse: {errors[0]}");
    }

    [Fact]
    public void PairsAreDrawnFromThePlanWithTheCallersGenerator()
    {
        var (x0, x1) = Points(3);
        var coupling = new SinkhornCoupling(3e-3, maxIterations: 3000, tolerance: 1e-6);
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        var a = coupling.Pair(x0, x1, null, null, g1);
        var b = coupling.Pair(x0, x1, null, null, g2);
        Assert.True(a.SourceIndex.equal(b.SourceIndex).all().item<bool>() && a.TargetIndex.equal(b.TargetIndex).all().item<bool>(), "same generator state, same pairs");
        // At small ε the plan is close to the exact permutation: nearly every drawn pair is an exact OT pair, while an
        // independent draw would hit one with probability 1/12.
        using var g = new Generator(0);
        var exact = new ExactOtCoupling().Pair(x0, x1, null, null, g);
        double hits = exact.TargetIndex.index_select(0, a.SourceIndex).eq(a.TargetIndex).to(ScalarType.Float64).mean().item<double>();
        Assert.True(hits >= 0.9, $"fraction of drawn pairs that are exact OT pairs: {hits}");
    }

    [Fact]
    public void WithLabelsThePlanIsZeroAcrossClasses()
    {
        var (x0, x1) = Points(4, n: 8);
        var y = tensor(new long[] { 0, 1, 0, 1, 0, 1, 0, 1 });
        var plan = new SinkhornCoupling(0.5).Plan(x0, x1, y, y);
        var across = y.unsqueeze(1) != y.unsqueeze(0);
        Assert.Equal(0.0, plan.masked_select(across).abs().sum().item<double>());
        Assert.True((plan.sum(0L) - 1.0 / 8).abs().max().item<double>() < 1e-12, $"columns {string.Join(", ", plan.sum(0L).data<double>().ToArray())}");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void EpsilonMustBePositive(double epsilon)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SinkhornCoupling(epsilon));
        Assert.Contains("ε must be a positive number", error.Message);
    }

    [Fact]
    public void AnUnknownCouplingNameListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => new CouplingOptions("emd").Validate());
        Assert.Contains("'emd'", error.Message);
        Assert.Contains("independent, ot, sinkhorn", error.Message);
    }
}
