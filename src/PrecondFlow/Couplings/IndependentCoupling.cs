using static TorchSharp.torch;

namespace PrecondFlow.Couplings;

/// <summary>q(x₀, x₁) = q₀(x₀)·q₁(x₁): the pairs stay as drawn (the classic flow-matching and I-CFM coupling).</summary>
public sealed class IndependentCoupling : ICoupling
{
    /// <inheritdoc/>
    public string Name => "independent";

    /// <inheritdoc/>
    public CouplingPairs Pair(Tensor x0, Tensor x1, Tensor? y0, Tensor? y1, Generator generator)
    {
        CostMatrix.CheckBatch(x0, x1, y0, y1);
        return new CouplingPairs(arange(x0.shape[0], dtype: ScalarType.Int64, device: x0.device),
            arange(x1.shape[0], dtype: ScalarType.Int64, device: x1.device));
    }
}
