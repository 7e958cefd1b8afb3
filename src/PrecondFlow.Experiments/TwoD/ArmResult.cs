using PrecondFlow.Pipeline;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>One arm of an experiment (a preconditioner, or none) over all seeds.</summary>
/// <param name="Name">The preconditioner's name as given to the factory ("none", "whiten", "realnvp", "flow").</param>
/// <param name="Label">How the report names it, e.g. "RealNVP".</param>
/// <param name="Description">What the arm does, in a sentence.</param>
/// <param name="PreconditionerParameters">Trainable parameters of P (0 for none and for closed-form maps).</param>
/// <param name="Runs">One run per seed, in the order of the seeds.</param>
public sealed record ArmResult(string Name, string Label, string Description, long PreconditionerParameters, IReadOnlyList<SeedRun> Runs)
{
    /// <summary>The per-seed values of metric <paramref name="key"/>, in seed order.</summary>
    public double[] Values(string key) => Runs.Select(r => r.Metrics[key]).ToArray();

    /// <summary>Mean ± std of metric <paramref name="key"/> over the seeds.</summary>
    public MeanStd Summary(string key) => MeanStd.Of(Values(key));

    /// <summary>Mean ± std of a stage time over the seeds.</summary>
    public MeanStd Time(Func<PipelineTimes, double> stage) => MeanStd.Of(Runs.Select(r => stage(r.Times)).ToArray());

    /// <summary>Mean ± std of the evaluation time over the seeds.</summary>
    public MeanStd EvaluationTime => MeanStd.Of(Runs.Select(r => r.EvaluationSeconds).ToArray());

    /// <summary>The mean over seeds of curve <paramref name="name"/> at each step all seeds share.</summary>
    public IReadOnlyList<CurvePoint> MeanCurve(string name) =>
        Runs.SelectMany(r => r.Curves[name]).GroupBy(p => p.Step)
            .Where(g => g.Count() == Runs.Count)
            .OrderBy(g => g.Key)
            .Select(g => new CurvePoint(g.Key, g.Average(p => p.Value)))
            .ToArray();

    /// <summary>The mean training loss over seeds at each logged step.</summary>
    public IReadOnlyList<CurvePoint> MeanLoss() =>
        Runs.SelectMany(r => r.LossTrace).GroupBy(p => p.Step)
            .Where(g => g.Count() == Runs.Count)
            .OrderBy(g => g.Key)
            .Select(g => new CurvePoint(g.Key, g.Average(p => p.Loss)))
            .ToArray();
}
