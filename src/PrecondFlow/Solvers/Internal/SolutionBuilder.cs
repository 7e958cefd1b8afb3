using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Solvers.Internal;

/// <summary>
/// Holds the current state of an integration, the step times and (optionally) the trajectory, inside
/// one dispose scope for the whole integration. States that are superseded and not kept are released
/// at once, so memory stays flat however many steps are taken; on an exception, disposing the builder
/// releases everything. <see cref="Build"/> hands the survivors to the caller's scope.
/// </summary>
internal sealed class SolutionBuilder : IDisposable
{
    private readonly DisposeScope scope;
    private readonly Tensor start;
    private readonly List<double> times = new();
    private readonly List<Tensor>? states;

    public SolutionBuilder(Tensor x0, double t0, bool keepTrajectory)
    {
        scope = torch.NewDisposeScope();
        start = x0;
        Current = x0;
        times.Add(t0);
        if (keepTrajectory)
            states = new List<Tensor> { x0.clone() };
    }

    /// <summary>The latest state (the caller's x0 until the first step).</summary>
    public Tensor Current { get; private set; }

    /// <summary>The time of <see cref="Current"/>.</summary>
    public double Time => times[^1];

    /// <summary>Number of steps recorded so far.</summary>
    public int Steps => times.Count - 1;

    /// <summary>Records a step; <paramref name="next"/> must already live in the integration's scope.</summary>
    public void Advance(Tensor next, double t)
    {
        if (states is not null)
            states.Add(next);
        else if (!ReferenceEquals(Current, start))
            Current.Dispose();
        Current = next;
        times.Add(t);
    }

    /// <summary>The solution, its tensors moved to the caller's dispose scope.</summary>
    public OdeSolution Build(int evaluations, int rejected)
    {
        var final = states is not null ? states[^1]
            : ReferenceEquals(Current, start) ? start.clone()
            : Current;
        scope.MoveToOuter(final);
        if (states is not null)
            scope.MoveToOuter(states);
        return new OdeSolution(final, evaluations, Steps, rejected, times.ToArray(), states?.ToArray());
    }

    public void Dispose() => scope.Dispose();
}
