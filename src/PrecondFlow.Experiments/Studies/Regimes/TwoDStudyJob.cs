namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>What a <see cref="TwoDStudyJob"/> computes.</summary>
public enum TwoDStudyJobKind
{
    /// <summary>A regime's convergence study.</summary>
    Study,

    /// <summary>A Swiss-roll regime's RealNVP quality ablation and slit check.</summary>
    Ablation,
}

/// <summary>
/// One independent piece of a 2D experiment: a regime's study or its ablation. Jobs share nothing but a work folder, so
/// they can run in separate processes at the same time (<see cref="ITwoDStudyJobLauncher"/>) and give the numbers they
/// would give one after another.
/// </summary>
/// <param name="Index">Position in <see cref="TwoDStudy.Jobs"/>, which a launched job is addressed by.</param>
/// <param name="Kind">Study or ablation.</param>
/// <param name="RegimeId">The regime's id.</param>
public sealed record TwoDStudyJob(int Index, TwoDStudyJobKind Kind, string RegimeId)
{
    /// <summary>The job as a progress line names it, e.g. "c-swiss-roll-unit-noise-0.01 (ablation)".</summary>
    public override string ToString() => Kind == TwoDStudyJobKind.Study ? RegimeId : $"{RegimeId} (ablation)";
}

/// <summary>Runs 2D study jobs elsewhere (e.g. one process each), several at a time.</summary>
public interface ITwoDStudyJobLauncher
{
    /// <summary>Runs every job with <see cref="TwoDStudy.RunJob"/> against <paramref name="workFolder"/>, at most
    /// <paramref name="workers"/> at a time, and returns when all have ended.</summary>
    /// <exception cref="Exception">A job failed; the message says which and why.</exception>
    void Run(IReadOnlyList<TwoDStudyJob> jobs, string workFolder, int workers);
}
