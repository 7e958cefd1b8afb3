namespace PrecondFlow.Bench.Workloads;

/// <summary>How many untimed warm-up and timed repetitions a workload gets, and how much work each holds.</summary>
/// <param name="Warmup">Untimed repetitions first (allocator, kernels and caches settle).</param>
/// <param name="Repetitions">Timed repetitions; the median is reported.</param>
/// <param name="Quick">The smoke-test variant: fewer repetitions and items per repetition, same shapes.</param>
internal sealed record RepetitionPlan(int Warmup, int Repetitions, bool Quick)
{
    public static RepetitionPlan Full { get; } = new(Warmup: 2, Repetitions: 5, Quick: false);

    public static RepetitionPlan Smoke { get; } = new(Warmup: 1, Repetitions: 2, Quick: true);
}
