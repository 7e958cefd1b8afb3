using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>The generator a UNet's dropout layers draw from, shared by all of them (see <see cref="IDrawsWhileTraining"/>).</summary>
internal sealed class UNetDrawSource
{
    /// <summary>Null: libtorch's global generator.</summary>
    public Generator? Generator { get; set; }

    /// <summary>Dropout of <paramref name="x"/> with probability <paramref name="p"/> in training mode; x itself otherwise.</summary>
    public Tensor Dropout(Tensor x, double p, bool training)
    {
        if (!training || p == 0)
            return x;
        return Generator is null ? nn.functional.dropout(x, p, training: true) : SeededDropout.Apply(x, p, Generator);
    }
}
