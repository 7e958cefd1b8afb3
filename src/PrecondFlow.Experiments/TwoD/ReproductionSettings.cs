namespace PrecondFlow.Experiments.TwoD;

/// <summary>How to reproduce the 2D experiments: how many seeds, and the real budget or the quick one.</summary>
/// <param name="SeedCount">Seeds per arm (0, 1, …, SeedCount − 1), at least 2 so that a spread can be reported.</param>
/// <param name="Quick">A reduced budget that finishes in about a minute, for trying things and for tests; its numbers
/// say nothing about the paper's claims.</param>
public sealed record ReproductionSettings(int SeedCount = 3, bool Quick = false)
{
    /// <summary>The seeds, the same for every arm.</summary>
    public IReadOnlyList<long> Seeds => Enumerable.Range(0, SeedCount).Select(i => (long)i).ToArray();

    public void Validate()
    {
        if (SeedCount < 2)
            throw new ArgumentOutOfRangeException(nameof(SeedCount), SeedCount,
                $"Use at least 2 seeds so that the spread between seeds can be reported; got {SeedCount}. The default is 3.");
    }
}
