namespace PrecondFlow.Solvers.Internal;

/// <summary>
/// TorchSharp turns every double operand of tensor arithmetic (x + h·k, …) into a native scalar that only a
/// finalizer frees, and a solver loop allocates too little managed memory for the GC to run on its own: the small
/// native blocks then pile up between the freed activation blocks and resident memory grows. A gen-0 collection every
/// few steps (well under a millisecond) hands them to the finalizer. See also the trainer's identical measure.
/// </summary>
internal static class NativeScalars
{
    private const int Interval = 10;

    /// <summary>Collects generation 0 every <see cref="Interval"/> steps.</summary>
    public static void CollectEvery(int step)
    {
        if (step % Interval == 0)
            GC.Collect(0);
    }
}
