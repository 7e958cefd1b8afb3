namespace PrecondFlow.Solvers;

/// <summary>
/// An integration that could not go on: the state became NaN or infinite, or an adaptive solver ran
/// out of steps. <see cref="Time"/> says where it stopped.
/// </summary>
public class OdeIntegrationException : ArithmeticException
{
    public OdeIntegrationException(string message, double time) : base(message) => Time = time;

    /// <summary>The time at which the integration stopped.</summary>
    public double Time { get; }
}
