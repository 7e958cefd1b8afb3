using System.Collections.Concurrent;

namespace PrecondFlow.Devices;

/// <summary>
/// The verdicts of one oneDNN check, per convolution shape: each shape is probed once, while oneDNN is on and no thread
/// can switch it off, and its verdict kept. When oneDNN is off at the time (another thread is back-propagating on
/// libtorch's own kernels, or the user switched it off) the shape counts as not exact, and is probed again next time.
/// </summary>
/// <param name="probe">True when oneDNN computes the shape exactly; run with oneDNN on.</param>
internal sealed class OneDnnVerdicts(Func<ConvolutionShape, bool> probe)
{
    private readonly ConcurrentDictionary<ConvolutionShape, bool> verdicts = new();

    public bool IsExact(ConvolutionShape shape)
    {
        if (verdicts.TryGetValue(shape, out var known))
            return known;
        if (CpuConvolutions.WhileOneDnnOn(() => probe(shape)) is not { } verdict)
            return false;
        verdicts[shape] = verdict;
        return verdict;
    }
}
