namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>
/// The seeds derived from an experiment seed for each independent random draw, so that training data, held-out data,
/// sampling noise and reference samples never share a stream, and every arm sees the same draws for the same seed.
/// </summary>
internal static class SeedOffsets
{
    /// <summary>Training data (<paramref name="set"/> tells apart the two data sets of a transport).</summary>
    public static long Data(long seed, int set = 0) => 1_000 + 10 * seed + set;

    /// <summary>Held-out data, never trained on.</summary>
    public static long HeldOut(long seed, int set = 0) => 2_000_003 + 10 * seed + set;

    /// <summary>The base noise of samples.</summary>
    public static long Sampling(long seed) => 3_000_017 + seed;

    /// <summary>N(0, I) reference samples of the data → Gaussian comparison.</summary>
    public static long Reference(long seed) => 4_000_037 + seed;

    /// <summary>A second independent sample of a true distribution, for the noise floor.</summary>
    public static long SecondSample(long seed, int set = 0) => 6_000_029 + 10 * seed + set;

    /// <summary>Probe points of a field-error measurement.</summary>
    public static long Probe(long seed) => 5_000_011 + seed;
}
