using static TorchSharp.torch;

namespace PrecondFlow.Sampling;

/// <summary>Samples drawn from a model.</summary>
/// <param name="Points">(count, dim) samples.</param>
/// <param name="Labels">(count) class labels they were drawn for, or null.</param>
/// <param name="FunctionEvaluations">Network evaluations per sample batch (the solver's NFE).</param>
/// <param name="Times">Times of the kept trajectory states, when kept.</param>
/// <param name="Trajectory">States along the way (each (count, dim)), when kept.</param>
public sealed record SampleResult(
    Tensor Points,
    Tensor? Labels,
    int FunctionEvaluations,
    IReadOnlyList<double>? Times,
    IReadOnlyList<Tensor>? Trajectory);
