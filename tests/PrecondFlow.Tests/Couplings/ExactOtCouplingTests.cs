using PrecondFlow.Couplings;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Couplings;

/// <summary>Exact minibatch OT returns the optimal assignment on point sets where it is known.</summary>
public class ExactOtCouplingTests
{
    private static Tensor Grid(int side) =>
        stack(new[] { arange(side * side, dtype: ScalarType.Float64) % side, (arange(side * side, dtype: ScalarType.Float64) / side).floor() }, 1);

    [Fact]
    public void APermutedGridIsPairedPointForPoint()
    {
        using var g = new Generator(1);
        var x0 = Grid(8);
        var permutation = randperm(64, generator: g);
        var x1 = x0.index_select(0, permutation);
        var pairs = new ExactOtCoupling().Pair(x0, x1, null, null, g);
        // Every x₀ has a copy in x₁ at distance 0 and every other pairing costs ≥ 1: the optimum is unique.
        Assert.True(x0.index_select(0, pairs.SourceIndex).equal(x1.index_select(0, pairs.TargetIndex)).all().item<bool>());
        Assert.Equal(64, pairs.TargetIndex.unique().Item1.shape[0]);
    }

    [Fact]
    public void TwoShiftedCopiesArePairedByTheShift()
    {
        // For x₁ = x₀ + s, Σᵢ‖x₀ᵢ − x₀_π(i) − s‖² = Σᵢ‖x₀ᵢ − x₀_π(i)‖² + n‖s‖² (the cross term sums to zero over a
        // permutation), so the identity is optimal whatever the shift, even one much larger than the cloud.
        using var g = new Generator(2);
        var x0 = randn(50, 3, dtype: ScalarType.Float64, generator: g);
        var x1 = x0 + tensor(new[] { 40.0, -25, 10 });
        var pairs = new ExactOtCoupling().Pair(x0, x1, null, null, g);
        Assert.True(pairs.TargetIndex.index_select(0, pairs.SourceIndex.argsort()).equal(arange(50, dtype: ScalarType.Int64)).all().item<bool>());
    }

    [Fact]
    public void WithLabelsOnBothSidesNoPairCrossesAClass()
    {
        using var g = new Generator(3);
        var y = tensor(new long[] { 0, 0, 0, 1, 1, 1, 2, 2 });
        // Each class of x₁ sits right next to another class of x₀: unlabelled OT would pair across classes.
        var x0 = randn(8, 2, generator: g) * 0.1 + y.unsqueeze(1).to(ScalarType.Float32) * 5;
        var x1 = randn(8, 2, generator: g) * 0.1 + ((y + 1) % 3).unsqueeze(1).to(ScalarType.Float32) * 5;
        var y1 = y;
        var pairs = new ExactOtCoupling().Pair(x0, x1, y, y1, g);
        Assert.True(y.index_select(0, pairs.SourceIndex).equal(y1.index_select(0, pairs.TargetIndex)).all().item<bool>());
    }

    [Fact]
    public void AMismatchedBatchIsRejected()
    {
        using var g = new Generator(4);
        var error = Assert.Throws<ArgumentException>(() => new ExactOtCoupling().Pair(zeros(8, 2), zeros(7, 2), null, null, g));
        Assert.Contains("8 source points and 7 target points", error.Message);
        error = Assert.Throws<ArgumentException>(() => new SinkhornCoupling(0.1).Pair(zeros(8, 2), zeros(8, 3), null, null, g));
        Assert.Contains("same dimension", error.Message);
    }
}
