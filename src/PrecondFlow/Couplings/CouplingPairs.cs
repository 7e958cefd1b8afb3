using static TorchSharp.torch;

namespace PrecondFlow.Couplings;

/// <summary>The pairs chosen by an <see cref="ICoupling"/>: x₀[SourceIndex[k]] goes with x₁[TargetIndex[k]].</summary>
/// <param name="SourceIndex">(batch) int64 rows of x₀, on x₀'s device.</param>
/// <param name="TargetIndex">(batch) int64 rows of x₁, on x₁'s device.</param>
public sealed record CouplingPairs(Tensor SourceIndex, Tensor TargetIndex);
