using PrecondFlow.Couplings;

namespace PrecondFlow.Tests.Couplings;

/// <summary>The Hungarian solver finds a minimum-cost permutation: checked against every permutation for small n.</summary>
public class LinearAssignmentTests
{
    private static IEnumerable<int[]> Permutations(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        yield return (int[])p.Clone();
        // Heap's algorithm, iterative: n! permutations.
        var c = new int[n];
        int i = 0;
        while (i < n)
        {
            if (c[i] < i)
            {
                int k = i % 2 == 0 ? 0 : c[i];
                (p[k], p[i]) = (p[i], p[k]);
                yield return (int[])p.Clone();
                c[i]++;
                i = 0;
            }
            else
            {
                c[i] = 0;
                i++;
            }
        }
    }

    private static double Total(double[] cost, int n, int[] column) => Enumerable.Range(0, n).Sum(i => cost[i * n + column[i]]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void MatchesBruteForceOverAllPermutations(int n)
    {
        var random = new Random(n);
        for (int trial = 0; trial < 20; trial++)
        {
            // Integer costs in half the trials make ties likely: the solver must still reach the optimum's value.
            var cost = Enumerable.Range(0, n * n).Select(_ => trial % 2 == 0 ? random.NextDouble() * 10 : random.Next(4)).ToArray();
            var column = LinearAssignment.Solve(cost, n);
            Assert.Equal(Enumerable.Range(0, n), column.OrderBy(j => j));
            double best = Permutations(n).Min(p => Total(cost, n, p));
            // Sums of ≤ 7 values below 10 in float64: 1e-12 is far above rounding and far below any cost gap.
            Assert.True(Math.Abs(Total(cost, n, column) - best) < 1e-12, $"n = {n}, trial {trial}: {Total(cost, n, column)} vs optimum {best}");
        }
    }

    [Fact]
    public void NegativeCostsAreFine()
    {
        var cost = new[] { -5.0, -1, -1, -6 };
        Assert.Equal(new[] { 0, 1 }, LinearAssignment.Solve(cost, 2));
    }

    [Fact]
    public void ACostThatIsNotSquareOrNotFiniteIsRejected()
    {
        Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new double[5], 2));
        Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new[] { 0, double.NaN, 1, 2 }, 2));
    }
}
