namespace PrecondFlow.Solvers;

/// <summary>
/// An integration that could not go on: the state became NaN or infinite, or an adaptive solver ran
/// out of steps. <see cref="Time"/> says where it stopped.
/// </summary>
public class OdeIntegrationException : ArithmeticException
{
    /// <summary>An integration stopped at <paramref name="time"/>.</summary>
    /// <param name="message">What went wrong and what to try.</param>
    /// <param name="time">The time at which the integration stopped.</param>
    public OdeIntegrationException(string message, double time) : base(message) => Time = time;

    /// <summary>The time at which the integration stopped.</summary>
    public double Time { get; }
}
