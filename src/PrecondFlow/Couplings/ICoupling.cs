using static TorchSharp.torch;

namespace PrecondFlow.Couplings;

/// <summary>
/// Re-pairs one minibatch of start points x₀ and end points x₁ before they enter the probability path: the joint law
/// q(x₀, x₁) of flow matching. The independent coupling keeps the pairs as drawn; optimal-transport couplings pair points
/// that are close under the squared Euclidean cost, which straightens the learned paths (Tong et al., OT-CFM).
/// </summary>
public interface ICoupling
{
    /// <summary>The name used on the command line: "independent", "ot" or "sinkhorn".</summary>
    string Name { get; }

    /// <summary>Pairs x₀[SourceIndex[k]] with x₁[TargetIndex[k]] for k = 0 … batch − 1.</summary>
    /// <param name="x0">(batch, dim) start points.</param>
    /// <param name="x1">(batch, dim) end points (same batch and dim as <paramref name="x0"/>).</param>
    /// <param name="y0">(batch) int64 class labels of <paramref name="x0"/>, or null.</param>
    /// <param name="y1">(batch) int64 class labels of <paramref name="x1"/>, or null. With both label sets, only points of
    /// the same class are paired (every class of x₁ must occur in x₀).</param>
    /// <param name="generator">The caller's generator, for couplings that sample pairs from a plan.</param>
    /// <exception cref="ArgumentException">Shapes that do not match; the message quotes them.</exception>
    CouplingPairs Pair(Tensor x0, Tensor x1, Tensor? y0, Tensor? y1, Generator generator);
}
