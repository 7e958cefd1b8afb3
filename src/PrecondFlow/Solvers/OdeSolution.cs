using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>The result of integrating an ODE (or an SDE) from t0 to t1.</summary>
/// <param name="Final">(batch, dim) state at t1; the last element of <paramref name="Trajectory"/> when that is kept.</param>
/// <param name="FunctionEvaluations">number of calls of the right-hand side (drift, for an SDE).</param>
/// <param name="AcceptedSteps">steps taken; for a fixed-step solver, its step count.</param>
/// <param name="RejectedSteps">steps an adaptive solver tried and rejected; 0 for fixed-step solvers.</param>
/// <param name="Times">the step times from t0 to t1 inclusive, in the order visited (decreasing when
/// integrating backwards); AcceptedSteps + 1 entries.</param>
/// <param name="Trajectory">the (batch, dim) states at <paramref name="Times"/>, the start included;
/// null unless asked for.</param>
public sealed record OdeSolution(
    Tensor Final,
    int FunctionEvaluations,
    int AcceptedSteps,
    int RejectedSteps,
    IReadOnlyList<double> Times,
    IReadOnlyList<Tensor>? Trajectory) : IDisposable
{
    /// <summary>Releases <see cref="Final"/> and the trajectory's tensors.</summary>
    public void Dispose()
    {
        Final.Dispose();
        if (Trajectory is null)
            return;
        foreach (var state in Trajectory)
            state.Dispose();
    }
}
