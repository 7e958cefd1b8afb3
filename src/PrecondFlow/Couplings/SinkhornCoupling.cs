using static TorchSharp.torch;

namespace PrecondFlow.Couplings;

/// <summary>
/// Entropic optimal transport between two minibatches with uniform weights, by Sinkhorn's iterations in the log domain
/// on the points' device (float64), and pairs drawn from the plan as TorchCFM does: <c>batch</c> draws with replacement
/// from the multinomial over the flattened plan, with the caller's generator.
/// </summary>
public sealed class SinkhornCoupling : ICoupling
{
    // The marginal error is read back (one device synchronisation) only every this many iterations.
    private const int CheckEvery = 10;

    /// <param name="epsilon">Regularisation ε > 0 in units of the squared cost: the plan is exp((f ⊕ g − C)/ε).</param>
    /// <param name="maxIterations">Most iterations (each updates f, then g).</param>
    /// <param name="tolerance">Stop when ‖plan·1 − 1/n‖₁ is below this (the column marginal is exact after each g update).</param>
    /// <exception cref="ArgumentOutOfRangeException">ε ≤ 0, fewer than one iteration, or a tolerance ≤ 0.</exception>
    public SinkhornCoupling(double epsilon, int maxIterations = 1000, double tolerance = 1e-6)
    {
        new CouplingOptions("sinkhorn", epsilon, maxIterations, tolerance).Validate();
        Epsilon = epsilon;
        MaxIterations = maxIterations;
        Tolerance = tolerance;
    }

    /// <summary>The entropic regularisation ε.</summary>
    public double Epsilon { get; }
    /// <summary>Most iterations.</summary>
    public int MaxIterations { get; }
    /// <summary>Row-marginal L1 tolerance.</summary>
    public double Tolerance { get; }

    /// <inheritdoc/>
    public string Name => "sinkhorn";

    /// <summary>The entropic plan between two minibatches with uniform weights 1/n on each side.</summary>
    /// <param name="x0">(n, dim) start points.</param>
    /// <param name="x1">(n, dim) end points.</param>
    /// <param name="y0">(n) labels of x₀, or null.</param>
    /// <param name="y1">(n) labels of x₁, or null; with both, the plan is zero between different classes.</param>
    /// <returns>(n, n) float64 plan on x₀'s device, rows summing to 1/n up to the tolerance, columns to 1/n.</returns>
    public Tensor Plan(Tensor x0, Tensor x1, Tensor? y0 = null, Tensor? y1 = null)
    {
        CostMatrix.CheckBatch(x0, x1, y0, y1);
        using var scope = NewDisposeScope();
        long n = x0.shape[0];
        var scaled = CostMatrix.SquaredEuclidean(x0, x1, y0, y1) / Epsilon;
        double logWeight = -Math.Log(n);
        // Potentials in units of ε: f = log a − logsumexp_j(g_j − C_ij/ε), g likewise over i.
        var f = zeros(n, dtype: ScalarType.Float64, device: x0.device);
        var g = zeros(n, dtype: ScalarType.Float64, device: x0.device);
        for (int iteration = 1; iteration <= MaxIterations; iteration++)
        {
            using var step = NewDisposeScope();
            var newF = logWeight - (g.unsqueeze(0) - scaled).logsumexp(1);
            var newG = logWeight - (newF.unsqueeze(1) - scaled).logsumexp(0);
            f.copy_(newF);
            g.copy_(newG);
            if (iteration % CheckEvery == 0 || iteration == MaxIterations)
            {
                var rows = (f.unsqueeze(1) + g.unsqueeze(0) - scaled).exp().sum(1);
                if ((rows - Math.Exp(logWeight)).abs().sum().item<double>() < Tolerance)
                    break;
            }
        }
        return (f.unsqueeze(1) + g.unsqueeze(0) - scaled).exp().MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public CouplingPairs Pair(Tensor x0, Tensor x1, Tensor? y0, Tensor? y1, Generator generator)
    {
        using var scope = NewDisposeScope();
        var plan = Plan(x0, x1, y0, y1);
        long n = x0.shape[0];
        var flat = multinomial(plan.flatten(), n, replacement: true, generator: generator);
        var rows = flat.div(n, rounding_mode: RoundingMode.floor).to(x0.device);
        var columns = flat.remainder(n).to(x1.device);
        return new CouplingPairs(rows.MoveToOuterDisposeScope(), columns.MoveToOuterDisposeScope());
    }
}
