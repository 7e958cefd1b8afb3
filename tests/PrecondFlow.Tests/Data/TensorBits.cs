using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data;

/// <summary>Bit-level views of tensors, for round trips that must be exact.</summary>
internal static class TensorBits
{
    /// <summary>The raw bytes of <paramref name="tensor"/> in C order.</summary>
    public static byte[] Of(Tensor tensor)
    {
        using var contiguous = tensor.cpu().contiguous();
        return contiguous.bytes.ToArray();
    }

    public static void AssertIdentical(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(Of(expected), Of(actual));
    }
}
