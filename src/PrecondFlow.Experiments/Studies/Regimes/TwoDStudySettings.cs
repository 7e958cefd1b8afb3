namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>Settings of <c>reproduce study-2d</c>.</summary>
/// <param name="Seeds">Paired seeds per regime (0, 1, …), at least 3.</param>
/// <param name="Quick">A budget of a few seconds per regime, for tests; its numbers do not test the paper's claims.</param>
/// <param name="Workers">Jobs (regime studies and ablations, <see cref="TwoDStudy.Jobs"/>) run at the same time through an
/// <see cref="ITwoDStudyJobLauncher"/>, one process each. The numbers do not depend on it: every job draws from its own
/// generators and shares nothing with the others.</param>
/// <param name="IntraOpThreads">libtorch's intra-op threads of each worker. The 2D networks are too small to gain from
/// more than one; results are the same for the same value on the same CPU.</param>
/// <param name="BatchedSeeds">Train each arm's seeds as one ensemble (<see cref="StudyOptions.BatchedSeeds"/>) where the
/// regime allows it (not a transport): the same numbers within float32 rounding, not bit for bit.</param>
public sealed record TwoDStudySettings(int Seeds = 3, bool Quick = false, int Workers = 1, int IntraOpThreads = 1, bool BatchedSeeds = false)
{
    /// <summary>The fewest paired seeds a regime runs with: a verdict from two seeds is a coin toss.</summary>
    public const int MinimumSeeds = 3;

    public void Validate()
    {
        if (Seeds < MinimumSeeds)
            throw new ArgumentOutOfRangeException(nameof(Seeds), Seeds,
                $"study-2d runs each regime over at least {MinimumSeeds} paired seeds; got {Seeds}. Use --seeds 3 or more.");
        if (Workers < 1)
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, $"Run at least one regime at a time; got {Workers} workers.");
        if (IntraOpThreads < 1)
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads,
                $"Each worker needs at least one intra-op thread; got {IntraOpThreads}.");
    }
}
