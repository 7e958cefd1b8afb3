using PrecondFlow.Solvers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Solvers;

public class FixedStepSolverTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> SolversAndOrders => new()
    {
        { "euler", 1 },
        { "midpoint", 2 },
        { "heun", 2 },
        { "rk4", 4 },
    };

    [Theory, MemberData(nameof(SolversAndOrders))]
    public void HalvingTheStepDividesTheErrorByTwoToTheOrder(string name, int order)
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var observed = ObservedOrder(name, LinearTestSystem.Field(a), LinearTestSystem.Exact(a, LinearTestSystem.StartPoints(), 0, 1));
        // The next term of the error expansion shifts the ratio by O(‖A‖h) relative, i.e. log2 by about
        // 0.1 here; ±0.3 leaves room for that and still tells orders 1, 2 and 4 apart.
        Assert.InRange(observed, order - 0.3, order + 0.3);
    }

    [Theory, MemberData(nameof(SolversAndOrders))]
    public void TheOrderHoldsForTimeDependentDynamics(string name, int order)
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        // dx/dt = (1 + t)·A x: a stage evaluated at the wrong time drops the order to 1.
        var exact = LinearTestSystem.TimeScaledExact(a, LinearTestSystem.StartPoints(), 0, 1);
        var observed = ObservedOrder(name, LinearTestSystem.TimeScaledField(a), exact);
        // As above; the field is up to twice as fast, so the pre-asymptotic shift is up to twice as large.
        Assert.InRange(observed, order - 0.3, order + 0.3);
    }

    /// <summary>log2 of the error ratio between 40 and 80 steps over [0, 1].</summary>
    private double ObservedOrder(string name, Dynamics f, Tensor exact)
    {
        var x0 = LinearTestSystem.StartPoints();
        double Error(int steps) => LinearTestSystem.RelativeError(OdeSolvers.Create(name, steps).Integrate(f, x0, 0, 1).Final, exact);

        // h = 1/40 and 1/80: ‖A‖·h ≈ 0.05, small enough that the leading error term dominates, and the
        // RK4 error (≈1e-8) stays far above float64 round-off.
        var coarse = Error(40);
        var fine = Error(80);
        var observed = Math.Log2(coarse / fine);
        output.WriteLine($"{name}: error {coarse:E3} → {fine:E3}, observed order {observed:F3}");
        return observed;
    }

    [Fact]
    public void Rk4ForwardsThenBackwardsReturnsToTheStart()
    {
        using var scope = torch.NewDisposeScope();
        var x0 = LinearTestSystem.StartPoints(batch: 16);
        var w = LinearTestSystem.Matrix();
        Dynamics f = (x, t) => torch.tanh(x.matmul(w)) * (1 + t) - 0.3 * x;
        var solver = new Rk4Solver(200);

        var forward = solver.Integrate(f, x0, 0, 1);
        var back = solver.Integrate(f, forward.Final, 1, 0);

        var error = LinearTestSystem.RelativeError(back.Final, x0);
        output.WriteLine($"rk4 round trip relative error {error:E3}");
        // Each leg errs by O(h⁴) ≈ 1e-9·C at h = 1/200; 1e-6 is a loose bound that still fails for any
        // sign or time-stepping mistake in the backwards direction (those give O(1) errors).
        Assert.True(error < 1e-6, $"round-trip relative error {error:E3}");
    }

    [Fact]
    public void EveryStepIsRecordedWhenTheTrajectoryIsKept()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var solution = new EulerSolver(5).Integrate(LinearTestSystem.Field(a), x0, 0.2, 1.2, keepTrajectory: true);

        Assert.Equal(6, solution.Times.Count);
        Assert.Equal(0.2, solution.Times[0]);
        Assert.Equal(1.2, solution.Times[^1]);
        Assert.All(solution.Times.Zip(solution.Times.Skip(1)), p => Assert.True(p.Second > p.First));
        Assert.NotNull(solution.Trajectory);
        Assert.Equal(6, solution.Trajectory!.Count);
        Assert.True(TensorEquality.Identical(solution.Trajectory[0], x0));
        Assert.Same(solution.Final, solution.Trajectory[^1]);
        // One Euler step of 0.2 from x0: exact up to the float64 rounding of the product.
        var firstStep = x0 + 0.2 * x0.matmul(a.t());
        Assert.True(solution.Trajectory[1].allclose(firstStep, rtol: 1e-14, atol: 1e-14));
        Assert.Equal(5, solution.AcceptedSteps);
        Assert.Equal(0, solution.RejectedSteps);
        Assert.Equal(5, solution.FunctionEvaluations);
    }

    [Fact]
    public void IntegratingBackwardsVisitsDecreasingTimes()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var solution = new HeunSolver(7).Integrate(LinearTestSystem.Field(a), x0, 1, 0, keepTrajectory: true);

        Assert.Equal(8, solution.Times.Count);
        Assert.Equal(1.0, solution.Times[0]);
        Assert.Equal(0.0, solution.Times[^1]);
        Assert.All(solution.Times.Zip(solution.Times.Skip(1)), p => Assert.True(p.Second < p.First));
        Assert.Equal(8, solution.Trajectory!.Count);
        Assert.Equal(14, solution.FunctionEvaluations);
    }

    [Fact]
    public void OnlyTheFinalStateOutlivesTheIntegrationUnlessTheTrajectoryIsKept()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var before = scope.DisposablesCount;

        new Rk4Solver(50).Integrate(LinearTestSystem.Field(a), x0, 0, 1);
        Assert.Equal(before + 1, scope.DisposablesCount);

        new Rk4Solver(50).Integrate(LinearTestSystem.Field(a), x0, 0, 1, keepTrajectory: true);
        Assert.Equal(before + 1 + 51, scope.DisposablesCount);
    }

    [Fact]
    public void EqualStartAndEndTimesReturnACopyWithoutEvaluating()
    {
        using var scope = torch.NewDisposeScope();
        var x0 = LinearTestSystem.StartPoints();
        var solution = new Rk4Solver(10).Integrate((_, _) => throw new InvalidOperationException("evaluated"), x0, 0.5, 0.5);

        Assert.True(TensorEquality.Identical(solution.Final, x0));
        Assert.NotSame(x0, solution.Final);
        Assert.Equal(0, solution.FunctionEvaluations);
        Assert.Equal(new[] { 0.5 }, solution.Times);
    }

    [Fact]
    public void AStateThatStopsBeingFiniteIsReportedWithItsTime()
    {
        using var scope = torch.NewDisposeScope();
        // x' = x² from 1000 with Euler steps of 0.1: x grows like 0.1·x² per step, 1e257 after 7 steps
        // and +∞ after the 8th, at t = 0.8.
        var x0 = torch.full(1, 1, 1000.0, dtype: ScalarType.Float64);
        var error = Assert.Throws<OdeIntegrationException>(
            () => new EulerSolver(10).Integrate((x, _) => x.square(), x0, 0, 1));

        Assert.Equal(0.8, error.Time, 12);
        Assert.Contains("t = 0.8", error.Message);
        Assert.Contains("NaN or infinite", error.Message);
    }

    [Fact]
    public void ANonPositiveStepCountIsRejectedWithAClearMessage()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MidpointSolver(0));
        Assert.Equal("steps", error.ParamName);
        Assert.Contains("at least 1 step", error.Message);
    }

    [Fact]
    public void DynamicsThatChangeTheShapeAreRejected()
    {
        using var scope = torch.NewDisposeScope();
        var x0 = LinearTestSystem.StartPoints();
        var error = Assert.Throws<InvalidOperationException>(
            () => new EulerSolver(3).Integrate((x, _) => x.sum(1), x0, 0, 1));
        Assert.Contains("[4]", error.Message);
        Assert.Contains("[4, 3]", error.Message);
    }

    [Fact]
    public void AStartStateWithNaNIsRejected()
    {
        using var scope = torch.NewDisposeScope();
        var x0 = torch.tensor(new[,] { { 1.0, double.NaN } });
        var error = Assert.Throws<ArgumentException>(() => new EulerSolver(3).Integrate((x, _) => x, x0, 0, 1));
        Assert.Equal("x0", error.ParamName);
    }
}
