namespace PrecondFlow.Solvers;

/// <summary>
/// An adaptive solver had to shrink its step below <see cref="AdaptiveOptions.MinimumStep"/> to meet
/// its tolerances: the dynamics are too stiff there, or blow up, or are not finite.
/// </summary>
public sealed class StepSizeUnderflowException : OdeIntegrationException
{
    public StepSizeUnderflowException(string message, double time, double step, double minimumStep)
        : base(message, time)
    {
        Step = step;
        MinimumStep = minimumStep;
    }

    /// <summary>The step size (absolute value) that fell below the minimum.</summary>
    public double Step { get; }

    /// <summary>The minimum step size in force.</summary>
    public double MinimumStep { get; }
}
