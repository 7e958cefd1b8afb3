using static TorchSharp.torch;

namespace PrecondFlow.Couplings;

/// <summary>The squared Euclidean cost between two minibatches, and the shape checks every coupling shares.</summary>
public static class CostMatrix
{
    /// <summary>C[i, j] = ‖x₀[i] − x₁[j]‖² in float64 on x₀'s device, with +∞ between points of different classes when
    /// both label sets are given.</summary>
    /// <param name="x0">(n, dim) start points.</param>
    /// <param name="x1">(n, dim) end points.</param>
    /// <param name="y0">(n) labels of x₀, or null.</param>
    /// <param name="y1">(n) labels of x₁, or null.</param>
    /// <returns>(n, n) float64 costs.</returns>
    public static Tensor SquaredEuclidean(Tensor x0, Tensor x1, Tensor? y0 = null, Tensor? y1 = null)
    {
        using var scope = NewDisposeScope();
        var a = x0.detach().to(ScalarType.Float64);
        var b = x1.detach().to(ScalarType.Float64, x0.device);
        // The expanded form needs n² memory only (not n²·dim); clamping removes the tiny negatives of cancellation.
        var cost = (a.square().sum(1).unsqueeze(1) + b.square().sum(1).unsqueeze(0) - 2 * a.matmul(b.t())).clamp_min(0);
        if (y0 is not null && y1 is not null)
        {
            var different = y0.to(x0.device).unsqueeze(1) != y1.to(x0.device).unsqueeze(0);
            cost = cost.masked_fill(different, double.PositiveInfinity);
        }
        return cost.MoveToOuterDisposeScope();
    }

    /// <summary>Throws when the two minibatches (and their labels) do not have matching shapes.</summary>
    /// <exception cref="ArgumentException">The message quotes both shapes.</exception>
    public static void CheckBatch(Tensor x0, Tensor x1, Tensor? y0, Tensor? y1)
    {
        if (x0.dim() != 2 || x1.dim() != 2)
            throw new ArgumentException($"A coupling takes (batch, dim) minibatches; got x₀ {Shape(x0)} and x₁ {Shape(x1)}.");
        if (x0.shape[1] != x1.shape[1])
            throw new ArgumentException(
                $"The source points have {x0.shape[1]} dimensions and the target points {x1.shape[1]}; a coupling needs the same dimension on both sides.");
        if (x0.shape[0] != x1.shape[0])
            throw new ArgumentException(
                $"A coupling pairs minibatches of one size; got {x0.shape[0]} source points and {x1.shape[0]} target points.");
        if (y0 is not null && y0.shape[0] != x0.shape[0])
            throw new ArgumentException($"The source labels {Shape(y0)} do not match the source points {Shape(x0)}.");
        if (y1 is not null && y1.shape[0] != x1.shape[0])
            throw new ArgumentException($"The target labels {Shape(y1)} do not match the target points {Shape(x1)}.");
    }

    private static string Shape(Tensor t) => $"({string.Join(", ", t.shape)})";
}
