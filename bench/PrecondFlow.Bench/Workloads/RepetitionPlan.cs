namespace PrecondFlow.Bench.Workloads;

/// <summary>How many untimed warm-up and timed repetitions a workload gets, and how much work each holds.</summary>
/// <param name="Warmup">Untimed repetitions first (allocator, kernels and caches settle).</param>
/// <param name="Repetitions">Timed repetitions at least; the median is reported.</param>
/// <param name="MinimumSeconds">More timed repetitions are run until they add up to this much time (at most
/// <paramref name="MaxRepetitions"/>), so that a workload of 0.1 s per repetition is not judged on half a second of a
/// machine whose load comes and goes.</param>
/// <param name="MaxRepetitions">Upper bound on timed repetitions.</param>
/// <param name="Quick">The smoke-test variant: fewer repetitions and items per repetition, same shapes.</param>
internal sealed record RepetitionPlan(int Warmup, int Repetitions, double MinimumSeconds, int MaxRepetitions, bool Quick)
{
    public static RepetitionPlan Full { get; } = new(Warmup: 2, Repetitions: 5, MinimumSeconds: 3, MaxRepetitions: 50, Quick: false);

    public static RepetitionPlan Smoke { get; } = new(Warmup: 1, Repetitions: 2, MinimumSeconds: 0, MaxRepetitions: 2, Quick: true);

    /// <summary>Whether another timed repetition is due after <paramref name="done"/> of them took
    /// <paramref name="seconds"/> in all.</summary>
    public bool WantsAnother(int done, double seconds) =>
        done < Repetitions || (seconds < MinimumSeconds && done < MaxRepetitions);
}
