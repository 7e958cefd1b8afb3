namespace PrecondFlow.Couplings;

/// <summary>
/// The linear assignment problem min_π Σᵢ C[i, π(i)] over permutations π, solved exactly in float64 on the host by the
/// Hungarian method in its shortest-augmenting-path form with dual potentials (Kuhn–Munkres as refined by Jonker and
/// Volgenant): O(n³) time, O(n²) memory for the cost, O(n) extra.
/// </summary>
public static class LinearAssignment
{
    /// <summary>The optimal assignment of rows to columns.</summary>
    /// <param name="cost">Row-major (n, n) finite costs: cost[i·n + j] is the cost of pairing row i with column j.</param>
    /// <param name="n">Rows (= columns).</param>
    /// <returns>column[i]: the column assigned to row i (a permutation of 0 … n − 1).</returns>
    /// <exception cref="ArgumentException">The cost is not n² long or holds a value that is not finite.</exception>
    public static int[] Solve(ReadOnlySpan<double> cost, int n)
    {
        if (n < 0 || cost.Length != (long)n * n)
            throw new ArgumentException($"A linear assignment needs an n × n cost; got {cost.Length} values for n = {n}.", nameof(cost));
        foreach (var c in cost)
            if (!double.IsFinite(c))
                throw new ArgumentException($"Assignment costs must be finite; found {c}.", nameof(cost));

        // 1-based arrays with a virtual column 0, as in the classic formulation: u, v are the dual potentials,
        // rowOf[j] the row matched to column j, way[j] the previous column on the shortest augmenting path.
        var u = new double[n + 1];
        var v = new double[n + 1];
        var rowOf = new int[n + 1];
        var way = new int[n + 1];
        var minSlack = new double[n + 1];
        var used = new bool[n + 1];
        for (int i = 1; i <= n; i++)
        {
            rowOf[0] = i;
            int j0 = 0;
            Array.Fill(minSlack, double.PositiveInfinity);
            Array.Fill(used, false);
            do
            {
                used[j0] = true;
                int i0 = rowOf[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                var row = cost.Slice((i0 - 1) * n, n);
                for (int j = 1; j <= n; j++)
                {
                    if (used[j])
                        continue;
                    double reduced = row[j - 1] - u[i0] - v[j];
                    if (reduced < minSlack[j])
                    {
                        minSlack[j] = reduced;
                        way[j] = j0;
                    }
                    if (minSlack[j] < delta)
                    {
                        delta = minSlack[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= n; j++)
                {
                    if (used[j])
                    {
                        u[rowOf[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minSlack[j] -= delta;
                    }
                }
                j0 = j1;
            }
            while (rowOf[j0] != 0);
            do
            {
                int j1 = way[j0];
                rowOf[j0] = rowOf[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }

        var column = new int[n];
        for (int j = 1; j <= n; j++)
            column[rowOf[j] - 1] = j - 1;
        return column;
    }
}
