using static TorchSharp.torch;

namespace PrecondFlow.Couplings;

/// <summary>
/// Exact minibatch optimal transport on the squared Euclidean cost (OT-CFM): the permutation π minimising
/// Σᵢ ‖x₀[i] − x₁[π(i)]‖², found by <see cref="LinearAssignment"/> on the host in float64. With uniform weights on equal
/// batches the optimal plan is a permutation (Birkhoff), so every point is used exactly once; TorchCFM instead draws
/// pairs with replacement from the same plan, which has this permutation as its expectation. Deterministic: the
/// generator is not used. Cubic in the batch size (see the bench's coupling workload for times).
/// </summary>
public sealed class ExactOtCoupling : ICoupling
{
    /// <inheritdoc/>
    public string Name => "ot";

    /// <inheritdoc/>
    public CouplingPairs Pair(Tensor x0, Tensor x1, Tensor? y0, Tensor? y1, Generator generator)
    {
        CostMatrix.CheckBatch(x0, x1, y0, y1);
        int n = checked((int)x0.shape[0]);
        double[] cost;
        using (var scope = NewDisposeScope())
        {
            var c = CostMatrix.SquaredEuclidean(x0, x1, y0, y1);
            var finite = isfinite(c);
            // Pairs across classes cost more than any whole assignment within classes (which exists when every class
            // of x₁ occurs in x₀ as often), so the solver never chooses one when it can avoid it.
            double largest = n == 0 ? 0 : c.masked_fill(finite.logical_not(), 0).max().item<double>();
            c = c.masked_fill(finite.logical_not(), (largest + 1) * (n + 1));
            cost = c.cpu().contiguous().data<double>().ToArray();
        }
        var column = LinearAssignment.Solve(cost, n);
        return new CouplingPairs(arange(n, dtype: ScalarType.Int64, device: x0.device),
            tensor(column.Select(j => (long)j).ToArray(), dtype: ScalarType.Int64, device: x1.device));
    }
}
