using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>One smooth piece t ↦ c(t), t ∈ [Start, End], of a planar curve that a data set scatters its points around.</summary>
/// <param name="Start">Smallest parameter value.</param>
/// <param name="End">Largest parameter value (&gt; Start).</param>
/// <param name="Point">(n) float64 parameters → (n, 2) float64 points on the piece, on the parameters' device.</param>
public sealed record CurvePiece(double Start, double End, Func<Tensor, Tensor> Point);
