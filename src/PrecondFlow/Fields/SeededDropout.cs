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
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The dropout probability is a number in [0, 1].");
        if (p == 0 || x.numel() == 0)
            return x;
        if (p == 1)
            return x * zeros_like(x);
        using var scope = NewDisposeScope();
        var mask = empty_like(x).bernoulli_(1 - p, generator).div_(1 - p);
        return (x * mask).MoveToOuterDisposeScope();
    }
}
