using TorchSharp;

namespace PrecondFlow.Devices;

/// <summary>
/// The number operands of a hot loop's tensor operations, each held in a TorchSharp <see cref="Scalar"/> that is freed
/// when the bag is disposed, instead of when the garbage collector finalizes it.
/// </summary>
/// <remarks>
/// Why: TorchSharp turns a .NET number handed to an operation (<c>x.mul_(0.9)</c>) into a Scalar whose small native
/// block only a finalizer frees, and the build's patched TorchSharp parks finalized blocks in a ring of 65 536 before
/// freeing them. Such a block lives for hundreds of training steps and is placed wherever the native heap has room: often
/// inside a large activation block freed a moment before, which then can never merge back. Measured on the Table-4 training
/// step (89 finalized Scalars a step): the heap's free but unusable memory grew by about 90 MiB every 50 steps in some
/// processes (to 3.9 GiB after 600 steps, at 20–30 steps/s), while others stayed at 250 MiB and ran at 75–80 steps/s.
/// A Scalar freed at the end of its step leaves no such pin.
/// </remarks>
public sealed class ScalarOperands : IDisposable
{
    private readonly List<Scalar> held = new();

    /// <summary>A Scalar of <paramref name="value"/> (float64), freed with the bag.</summary>
    public Scalar Of(double value)
    {
        var scalar = value.ToScalar();
        held.Add(scalar);
        return scalar;
    }

    /// <summary>Frees every Scalar handed out.</summary>
    public void Dispose()
    {
        foreach (var scalar in held)
            scalar.Dispose();
        held.Clear();
    }
}
