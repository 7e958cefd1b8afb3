using TorchSharp;

namespace PrecondFlow.Bench.Workloads;

/// <summary>Operation counts for the physical-limit columns.</summary>
internal static class FlopCounts
{
    /// <summary>Multiply-adds of one forward pass per point through a network's weight matrices: the sum of the sizes of
    /// its 2-D parameters named "…weight" (biases and activations are O(width) and left out).</summary>
    public static long MatrixWeights(torch.nn.Module module) =>
        module.named_parameters().Where(p => p.name.EndsWith("weight", StringComparison.Ordinal) && p.parameter.dim() == 2)
            .Sum(p => p.parameter.numel());
}
