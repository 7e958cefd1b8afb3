namespace PrecondFlow.Solvers;

/// <summary>Looks ODE solvers up by the names used in configurations and on the command line.</summary>
public static class OdeSolvers
{
    /// <summary>The names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "euler", "midpoint", "heun", "rk4", "dopri5" };

    /// <summary>Creates the solver called <paramref name="name"/>.</summary>
    /// <param name="name">one of <see cref="Names"/>.</param>
    /// <param name="steps">number of steps of a fixed-step solver (at least 1); ignored by "dopri5".</param>
    /// <param name="adaptive">tolerances of "dopri5" (null: defaults); ignored by fixed-step solvers.</param>
    public static IOdeSolver Create(string name, int steps, AdaptiveOptions? adaptive = null) => name switch
    {
        "euler" => new EulerSolver(steps),
        "midpoint" => new MidpointSolver(steps),
        "heun" => new HeunSolver(steps),
        "rk4" => new Rk4Solver(steps),
        "dopri5" => new DormandPrinceSolver(adaptive),
        _ => throw new ArgumentException(
            $"Unknown ODE solver '{name}'. Known solvers: {string.Join(", ", Names)}.", nameof(name)),
    };
}
