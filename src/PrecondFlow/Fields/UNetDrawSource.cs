using PrecondFlow.Distributed;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>The generator a UNet's dropout layers draw from, shared by all of them (see <see cref="IDrawsWhileTraining"/>).</summary>
internal sealed class UNetDrawSource
{
    /// <summary>Null: libtorch's global generator.</summary>
    public Generator? Generator { get; set; }

    /// <summary>This process's rows of a data-parallel minibatch (see <see cref="IDrawsWhileTraining.TrainingRows"/>).</summary>
    public RowSlice? Rows { get; set; }

    /// <summary>Dropout of <paramref name="x"/> with probability <paramref name="p"/> in training mode; x itself otherwise.</summary>
    public Tensor Dropout(Tensor x, double p, bool training)
    {
        if (!training || p == 0)
            return x;
        if (Generator is null)
            return Rows is null ? nn.functional.dropout(x, p, training: true)
                : throw new InvalidOperationException("Data-parallel dropout needs a training generator shared by the processes.");
        return Rows is { } rows ? SeededDropout.Apply(x, p, Generator, rows) : SeededDropout.Apply(x, p, Generator);
    }
}
