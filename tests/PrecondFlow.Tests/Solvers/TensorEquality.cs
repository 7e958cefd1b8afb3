using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Solvers;

/// <summary>Bit-for-bit comparison of tensors (TorchSharp's <c>equal</c> is element-wise).</summary>
internal static class TensorEquality
{
    /// <summary>Same shape and every element equal.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
            return false;
        using var scope = torch.NewDisposeScope();
        return a.eq(b).all().item<bool>();
    }
}
