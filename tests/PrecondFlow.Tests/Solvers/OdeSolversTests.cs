using PrecondFlow.Solvers;

namespace PrecondFlow.Tests.Solvers;

public class OdeSolversTests
{
    [Fact]
    public void EveryListedNameCreatesASolverOfThatName()
    {
        foreach (var name in OdeSolvers.Names)
            Assert.Equal(name, OdeSolvers.Create(name, steps: 10).Name);
    }

    [Fact]
    public void Dopri5TakesTheAdaptiveOptions()
    {
        var options = new AdaptiveOptions(RelativeTolerance: 1e-7);
        var solver = Assert.IsType<DormandPrinceSolver>(OdeSolvers.Create("dopri5", steps: 0, options));
        Assert.Same(options, solver.Options);
    }

    [Fact]
    public void AnUnknownNameListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => OdeSolvers.Create("rk45", steps: 10));
        Assert.Contains("'rk45'", error.Message);
        Assert.Contains("euler, midpoint, heun, rk4, dopri5", error.Message);
    }
}
