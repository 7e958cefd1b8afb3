using static TorchSharp.torch;

namespace PrecondFlow.Couplings;

/// <summary>
/// Draws source points of given classes: for each target label c, one source point of class c uniformly at random (with
/// replacement). This is how x₀ is drawn when both the source and the target have labels, so that every pair, whatever
/// the coupling, joins points of one class.
/// </summary>
public sealed class ClassMatchedDraw : IDisposable
{
    private readonly Tensor order;
    private readonly Tensor start;
    private readonly Tensor count;

    /// <param name="sourceLabels">(n₀) int64 labels of the source points.</param>
    /// <param name="classes">Number of classes of the target (labels 0 … classes − 1).</param>
    /// <exception cref="ArgumentException">A target class without any source point (the message names it).</exception>
    public ClassMatchedDraw(Tensor sourceLabels, int classes)
    {
        using var scope = NewDisposeScope();
        var counts = bincount(sourceLabels.cpu(), minlength: classes).narrow(0, 0, classes);
        var host = counts.data<long>().ToArray();
        for (int c = 0; c < classes; c++)
            if (host[c] == 0)
                throw new ArgumentException(
                    $"The source points have no point of class {c}, which the target has; labelled sources are paired within classes, so give every class.");
        order = sourceLabels.argsort().MoveToOuterDisposeScope();
        count = counts.to(sourceLabels.device).MoveToOuterDisposeScope();
        start = (counts.cumsum(0) - counts).to(sourceLabels.device).MoveToOuterDisposeScope();
    }

    /// <summary>One source row per target label.</summary>
    /// <param name="targetLabels">(batch) int64 target labels.</param>
    /// <param name="generator">The caller's generator (one uniform draw per label).</param>
    /// <returns>(batch) int64 rows of the source points, each of the class of its target label.</returns>
    public Tensor Draw(Tensor targetLabels, Generator generator)
    {
        using var scope = NewDisposeScope();
        var y = targetLabels.to(order.device);
        var u = rand(y.shape, dtype: ScalarType.Float64, device: order.device, generator: generator);
        var n = count.index_select(0, y);
        var offset = (u * n).floor().to(ScalarType.Int64).minimum(n - 1);
        return order.index_select(0, start.index_select(0, y) + offset).MoveToOuterDisposeScope();
    }

    /// <summary>Frees the index tensors.</summary>
    public void Dispose()
    {
        order.Dispose();
        start.Dispose();
        count.Dispose();
    }
}
