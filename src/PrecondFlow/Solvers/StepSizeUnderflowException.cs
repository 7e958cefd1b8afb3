namespace PrecondFlow.Solvers;

/// <summary>
/// An adaptive solver had to shrink its step below <see cref="AdaptiveOptions.MinimumStep"/> to meet
/// its tolerances: the dynamics are too stiff there, or blow up, or are not finite.
/// </summary>
public sealed class StepSizeUnderflowException : OdeIntegrationException
{
    /// <summary>An adaptive integration stopped at <paramref name="time"/> because its step fell below the minimum.</summary>
    /// <param name="message">What went wrong and what to try.</param>
    /// <param name="time">The time at which the integration stopped.</param>
    /// <param name="step">The step size (absolute value) that fell below the minimum.</param>
    /// <param name="minimumStep">The minimum step size in force.</param>
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
