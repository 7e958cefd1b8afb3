namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// Receives the progress of a reproduced experiment: one stage per arm, each reporting how much of its work is done
/// and what it is doing now (e.g. "seed 2/3 · main flow · loss 0.41"). A command line shows each stage as a progress
/// bar with an ETA.
/// </summary>
public interface IExperimentProgress
{
    /// <summary>Starts a stage of <paramref name="total"/> units of work; report (units done, status) on the result.</summary>
    IProgress<(double Done, string Status)> AddStage(string name, double total);

    /// <summary>Progress that goes nowhere.</summary>
    static IExperimentProgress None { get; } = new Silent();

    private sealed class Silent : IExperimentProgress, IProgress<(double Done, string Status)>
    {
        public IProgress<(double Done, string Status)> AddStage(string name, double total) => this;

        public void Report((double Done, string Status) value)
        {
        }
    }
}
