namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>Settings of <c>reproduce study-2d</c>.</summary>
/// <param name="Seeds">Paired seeds per regime (0, 1, …), at least 3.</param>
/// <param name="Quick">A budget of a few seconds per regime, for tests; its numbers do not test the paper's claims.</param>
public sealed record TwoDStudySettings(int Seeds = 3, bool Quick = false)
{
    /// <summary>The fewest paired seeds a regime runs with: a verdict from two seeds is a coin toss.</summary>
    public const int MinimumSeeds = 3;

    public void Validate()
    {
        if (Seeds < MinimumSeeds)
            throw new ArgumentOutOfRangeException(nameof(Seeds), Seeds,
                $"study-2d runs each regime over at least {MinimumSeeds} paired seeds; got {Seeds}. Use --seeds 3 or more.");
    }
}
