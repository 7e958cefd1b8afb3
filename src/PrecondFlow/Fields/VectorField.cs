using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// A time-dependent, optionally label-conditional network f(x, t, y) with output of the shape of x.
/// What the output means (a velocity, or a noise prediction ε̂ for score models) is set by the
/// objective it is trained with.
/// </summary>
public abstract class VectorField : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    /// <summary>Checks and stores the sizes; a derived class builds its layers and calls RegisterComponents.</summary>
    /// <param name="name">The module's name (TorchSharp's module name).</param>
    /// <param name="dim">Data dimension, at least 1.</param>
    /// <param name="numClasses">Classes for label conditioning; 0 = unconditional.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> &lt; 1 or <paramref name="numClasses"/> &lt; 0.</exception>
    protected VectorField(string name, int dim, int numClasses) : base(name)
    {
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "A vector field needs a data dimension of at least 1.");
        if (numClasses < 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes cannot be negative.");
        Dim = dim;
        NumClasses = numClasses;
    }

    /// <summary>Dimension of x.</summary>
    public int Dim { get; }

    /// <summary>Number of classes for label conditioning; 0 for an unconditional field.</summary>
    public int NumClasses { get; }

    /// <summary>Label index that means "no label" (classifier-free guidance); equals <see cref="NumClasses"/>.</summary>
    public long NullLabel => NumClasses;

    /// <summary>Whether the field takes labels.</summary>
    public bool IsConditional => NumClasses > 0;

    /// <summary>Evaluates the field.</summary>
    /// <param name="x">(batch, dim) points.</param>
    /// <param name="t">(batch, 1) or (1, 1) times, broadcast over the batch.</param>
    /// <param name="labels">(batch) int64 labels in [0, NumClasses], NumClasses meaning "no label";
    /// required for a conditional field, ignored (must be null) for an unconditional one.</param>
    /// <returns>(batch, dim).</returns>
    public abstract override Tensor forward(Tensor x, Tensor t, Tensor? labels);

    /// <summary>Throws a clear error when labels are missing, given to an unconditional field, or of the wrong count. Their
    /// range is not checked here: that would read the labels back from the device at every call.</summary>
    protected void CheckLabels(Tensor x, Tensor? labels)
    {
        if (IsConditional && labels is null)
            throw new ArgumentException($"This field is conditioned on {NumClasses} classes: pass labels.", nameof(labels));
        if (!IsConditional && labels is not null)
            throw new ArgumentException("This field is unconditional: it takes no labels.", nameof(labels));
        if (labels is not null && labels.shape[0] != x.shape[0])
            throw new ArgumentException($"Got {labels.shape[0]} labels for {x.shape[0]} points.", nameof(labels));
    }
}
