namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>Names every stage "<c>prefix · name</c>", so that the stages of several studies in one run tell which study
/// they belong to (e.g. "a-gaussian-kappa-1e4 · whiten").</summary>
internal sealed class PrefixedProgress(IExperimentProgress inner, string prefix) : IExperimentProgress
{
    public IProgress<(double Done, string Status)> AddStage(string name, double total) => inner.AddStage($"{prefix} · {name}", total);
}
