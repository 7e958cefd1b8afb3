namespace PrecondFlow.Metrics.Internal;

/// <summary>
/// Derives independent seeds from one user seed (SplitMix64), so that two random draws made for the
/// same call (a reference sample and the projections that compare against it) never share a stream.
/// </summary>
internal static class SeedSequence
{
    public static ulong Derive(long seed, ulong stream)
    {
        unchecked
        {
            var z = (ulong)seed + 0x9E3779B97F4A7C15UL * (stream + 1);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
