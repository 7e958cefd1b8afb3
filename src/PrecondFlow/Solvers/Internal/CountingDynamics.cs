using static TorchSharp.torch;

namespace PrecondFlow.Solvers.Internal;

/// <summary>Wraps a right-hand side: counts its evaluations and checks that it keeps the state's shape.</summary>
internal sealed class CountingDynamics
{
    private readonly Dynamics f;
    private readonly string solverName;

    public CountingDynamics(Dynamics f, string solverName)
    {
        this.f = f;
        this.solverName = solverName;
    }

    public int Evaluations { get; private set; }

    public Tensor Invoke(Tensor x, double t)
    {
        Evaluations++;
        var dx = f(x, t) ?? throw new InvalidOperationException(
            $"{solverName}: the dynamics returned null at t = {Numbers.Time(t)}; they must return dx/dt.");
        if (!dx.shape.SequenceEqual(x.shape))
            throw new InvalidOperationException(
                $"{solverName}: the dynamics returned a tensor of shape {Numbers.Shape(dx.shape)} at t = {Numbers.Time(t)} " +
                $"for a state of shape {Numbers.Shape(x.shape)}; dx/dt must have the shape of x.");
        return dx;
    }
}
