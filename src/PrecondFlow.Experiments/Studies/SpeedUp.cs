namespace PrecondFlow.Experiments.Studies;

/// <summary>The step at which an arm's error curve reaches a target value (the baseline's final error).</summary>
/// <param name="Step">The step, log-interpolated between evaluation points; null when the curve never reaches it.</param>
/// <param name="Ratio">Step over the baseline's total steps (below 1: faster than the baseline); null with it.</param>
public sealed record SpeedUp(double? Step, double? Ratio)
{
    public bool Reached => Step is not null;
}
