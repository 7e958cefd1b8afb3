namespace PrecondFlow.Training;

/// <summary>The outcome of an ensemble's training so far.</summary>
/// <param name="LossTraces">Member k's loss trace at index k (up to its divergence).</param>
/// <param name="DivergedAtStep">Member k's divergence step, or null when it trained to the end.</param>
/// <param name="Steps">Steps done.</param>
/// <param name="Seconds">Wall-clock seconds of training in total.</param>
public sealed record EnsembleResult(IReadOnlyList<IReadOnlyList<LossPoint>> LossTraces, IReadOnlyList<int?> DivergedAtStep, int Steps, double Seconds);
