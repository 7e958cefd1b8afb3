using PrecondFlow.Pipeline;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>One arm of an experiment trained and evaluated with one seed.</summary>
/// <param name="Seed">The seed of data, initial weights, training and sampling.</param>
/// <param name="Metrics">The table's numbers for this seed, by <see cref="MetricInfo.Key"/>.</param>
/// <param name="Times">Wall-clock seconds of fitting P, computing P(x) and training the main flow (evaluation excluded).</param>
/// <param name="EvaluationSeconds">Wall-clock seconds spent measuring (during and after training).</param>
/// <param name="LossTrace">The main flow's training loss.</param>
/// <param name="Curves">Quantities measured during training, by name (e.g. "mmd").</param>
public sealed record SeedRun(
    long Seed,
    IReadOnlyDictionary<string, double> Metrics,
    PipelineTimes Times,
    double EvaluationSeconds,
    IReadOnlyList<LossPoint> LossTrace,
    IReadOnlyDictionary<string, IReadOnlyList<CurvePoint>> Curves);
