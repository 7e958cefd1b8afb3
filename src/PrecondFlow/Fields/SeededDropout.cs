using PrecondFlow.Distributed;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// Dropout whose mask is drawn from a given <see cref="Generator"/> instead of libtorch's global one. It computes what
/// libtorch's CPU dropout computes (x · Bernoulli(1 − p) / (1 − p)), so the same generator state gives the same mask.
/// </summary>
public static class SeededDropout
{
    /// <summary>Zeroes each entry with probability <paramref name="p"/> and scales the rest by 1/(1 − p).</summary>
    /// <param name="x">Any shape.</param>
    /// <param name="p">Drop probability in [0, 1]; 0 returns <paramref name="x"/> itself and draws nothing.</param>
    /// <param name="generator">Source of the mask, on <paramref name="x"/>'s device.</param>
    /// <returns>The shape of <paramref name="x"/>.</returns>
    public static Tensor Apply(Tensor x, double p, Generator generator)
    {
        if (Trivial(x, p) is { } result)
            return result;
        using var scope = NewDisposeScope();
        var mask = empty_like(x).bernoulli_(1 - p, generator).div_(1 - p);
        return (x * mask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Dropout of one process's <paramref name="rows"/> of a minibatch, with the mask drawn for the whole minibatch and
    /// then sliced: the same generator state gives each row the mask it gets from <see cref="Apply(Tensor, double, Generator)"/>
    /// on the whole batch, so data-parallel training drops what one process would (and the generator advances alike).
    /// </summary>
    /// <param name="x">(rows.Length, ...) this process's rows.</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="generator">Source of the mask, on <paramref name="x"/>'s device.</param>
    /// <param name="rows">Where <paramref name="x"/>'s rows lie in the minibatch.</param>
    /// <returns>The shape of <paramref name="x"/>.</returns>
    public static Tensor Apply(Tensor x, double p, Generator generator, RowSlice rows)
    {
        if (rows.IsWhole)
            return Apply(x, p, generator);
        if (x.shape[0] != rows.Length)
            throw new ArgumentException($"The slice has {rows.Length} rows but the tensor has {x.shape[0]}.", nameof(x));
        if (Trivial(x, p) is { } result)
            return result;
        using var scope = NewDisposeScope();
        long[] whole = [rows.GlobalBatch, .. x.shape[1..]];
        var mask = empty(whole, dtype: x.dtype, device: x.device).bernoulli_(1 - p, generator).div_(1 - p);
        return (x * mask.narrow(0, rows.Start, rows.Length)).MoveToOuterDisposeScope();
    }

    /// <summary>Checks <paramref name="p"/>; returns the result when no mask is drawn (p = 0, p = 1 or an empty tensor), else null.</summary>
    private static Tensor? Trivial(Tensor x, double p)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The dropout probability is a number in [0, 1].");
        if (p == 0 || x.numel() == 0)
            return x;
        return p == 1 ? x * zeros_like(x) : null;
    }
}
