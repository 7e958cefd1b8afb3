namespace PrecondFlow.Pipeline;

/// <summary>Wall-clock seconds of each stage, so comparisons can charge the preconditioner's cost.</summary>
/// <param name="PreconditionerSeconds">Fitting P.</param>
/// <param name="TransformSeconds">Computing P(x) for the training data.</param>
/// <param name="MainFlowSeconds">Training the main flow on P(x).</param>
public sealed record PipelineTimes(double PreconditionerSeconds, double TransformSeconds, double MainFlowSeconds)
{
    /// <summary>The whole pipeline's cost: the sum of the three stages, in seconds.</summary>
    public double TotalSeconds => PreconditionerSeconds + TransformSeconds + MainFlowSeconds;
}
