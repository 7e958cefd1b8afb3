namespace PrecondFlow.Experiments.Studies;

/// <summary>
/// Watches a <see cref="ConvergenceStudy"/> from outside, one run (an arm's seed) at a time, e.g. to log it to TensorBoard.
/// Observers only read: a study computes the same numbers with or without one. The learning-rate search is not observed.
/// </summary>
public interface IStudyObserver
{
    /// <summary>One seed of one arm starts (or is taken from the cache); returns what receives that run, or null.</summary>
    /// <param name="arm">The arm's name, e.g. "none" or "none+steps(realnvp)".</param>
    /// <param name="seed">The paired seed.</param>
    IStudyRunObserver? RunStarted(string arm, long seed);

    /// <summary>The observer for regime <paramref name="regime"/> of a multi-regime study (<c>reproduce</c>'s 2D ones).</summary>
    IStudyObserver ForRegime(string regime);
}

/// <summary>Receives one run of a study: the main flow's training windows, each evaluation and the final samples.</summary>
public interface IStudyRunObserver : IDisposable
{
    /// <summary>Receives each logging window of the main flow's training (loss, learning rate, gradient norm); null for none.
    /// A run taken from the cache reports no training.</summary>
    IProgress<Training.TrainingProgress>? Training { get; }

    /// <summary>Every study metric at an evaluation step (NaN when the samples were not finite).</summary>
    void Evaluated(int step, IReadOnlyDictionary<string, double> metrics);

    /// <summary>The samples (or transported points) of the last evaluation, one row per point, at <paramref name="step"/>.</summary>
    void FinalSamples(int step, IReadOnlyList<double[]> samples);
}
