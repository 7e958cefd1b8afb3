using PrecondFlow.Solvers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Solvers;

public class DormandPrinceSolverTests(ITestOutputHelper output)
{
    [Fact]
    public void TightTolerancesGiveAnAccurateSolution()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var solver = new DormandPrinceSolver(new AdaptiveOptions(RelativeTolerance: 1e-8, AbsoluteTolerance: 1e-8));

        var solution = solver.Integrate(LinearTestSystem.Field(a), x0, 0, 1);

        var error = LinearTestSystem.RelativeError(solution.Final, LinearTestSystem.Exact(a, x0, 0, 1));
        output.WriteLine($"dopri5 at 1e-8: relative error {error:E3}, {solution.FunctionEvaluations} evaluations, " +
                         $"{solution.AcceptedSteps} accepted, {solution.RejectedSteps} rejected");
        // Local tolerance 1e-8 over a non-stiff, contracting problem: the global error stays within a small
        // multiple of it; 1e-6 allows a factor 100 of accumulation.
        Assert.True(error < 1e-6, $"relative error {error:E3}");
    }

    [Fact]
    public void TightTolerancesGiveAnAccurateSolutionOfTimeDependentDynamics()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var solver = new DormandPrinceSolver(new AdaptiveOptions(RelativeTolerance: 1e-8, AbsoluteTolerance: 1e-8));

        var forward = solver.Integrate(LinearTestSystem.TimeScaledField(a), x0, 0, 1);
        var backward = solver.Integrate(LinearTestSystem.TimeScaledField(a), x0, 1, 0.25);

        var forwardError = LinearTestSystem.RelativeError(forward.Final, LinearTestSystem.TimeScaledExact(a, x0, 0, 1));
        var backwardError = LinearTestSystem.RelativeError(backward.Final, LinearTestSystem.TimeScaledExact(a, x0, 1, 0.25));
        output.WriteLine($"dopri5 at 1e-8, dx/dt = (1 + t)Ax: relative errors {forwardError:E3} forwards, {backwardError:E3} backwards");
        // As for the autonomous problem: wrong stage times (c coefficients) would leave O(h²)-sized errors.
        Assert.True(forwardError < 1e-6, $"forward relative error {forwardError:E3}");
        Assert.True(backwardError < 1e-6, $"backward relative error {backwardError:E3}");
    }

    [Fact]
    public void TighterTolerancesCostMoreEvaluationsAndGiveSmallerErrors()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var exact = LinearTestSystem.Exact(a, x0, 0, 1);
        var runs = new[] { 1e-4, 1e-6, 1e-8 }.Select(tol =>
        {
            var solution = new DormandPrinceSolver(new AdaptiveOptions(tol, tol)).Integrate(LinearTestSystem.Field(a), x0, 0, 1);
            var error = LinearTestSystem.RelativeError(solution.Final, exact);
            output.WriteLine($"tol {tol:E0}: {solution.FunctionEvaluations} evaluations, error {error:E3}");
            return (solution.FunctionEvaluations, Error: error);
        }).ToArray();

        Assert.True(runs[0].FunctionEvaluations < runs[1].FunctionEvaluations);
        Assert.True(runs[1].FunctionEvaluations < runs[2].FunctionEvaluations);
        Assert.True(runs[0].Error > runs[1].Error && runs[1].Error > runs[2].Error);
    }

    [Fact]
    public void ForwardsThenBackwardsReturnsToTheStart()
    {
        using var scope = torch.NewDisposeScope();
        var x0 = LinearTestSystem.StartPoints(batch: 16);
        var w = LinearTestSystem.Matrix();
        Dynamics f = (x, t) => torch.tanh(x.matmul(w)) * (1 + t) - 0.3 * x;
        var solver = new DormandPrinceSolver(new AdaptiveOptions(RelativeTolerance: 1e-9, AbsoluteTolerance: 1e-9));

        var forward = solver.Integrate(f, x0, 0, 1);
        var back = solver.Integrate(f, forward.Final, 1, 0);

        var error = LinearTestSystem.RelativeError(back.Final, x0);
        output.WriteLine($"dopri5 round trip at 1e-9: relative error {error:E3}");
        // Two legs each accurate to a small multiple of the 1e-9 tolerance.
        Assert.True(error < 1e-6, $"round-trip relative error {error:E3}");
    }

    [Fact]
    public void StepTimesRunFromStartToEndInTheDirectionOfIntegration()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var solver = new DormandPrinceSolver();

        var forward = solver.Integrate(LinearTestSystem.Field(a), x0, 0, 2, keepTrajectory: true);
        var backward = solver.Integrate(LinearTestSystem.Field(a), forward.Final, 2, 0, keepTrajectory: true);

        foreach (var (solution, t0, t1) in new[] { (forward, 0.0, 2.0), (backward, 2.0, 0.0) })
        {
            Assert.Equal(t0, solution.Times[0]);
            Assert.Equal(t1, solution.Times[^1]);
            Assert.Equal(solution.AcceptedSteps + 1, solution.Times.Count);
            Assert.Equal(solution.Times.Count, solution.Trajectory!.Count);
            Assert.Same(solution.Final, solution.Trajectory[^1]);
            var sign = Math.Sign(t1 - t0);
            Assert.All(solution.Times.Zip(solution.Times.Skip(1)), p => Assert.True(sign * (p.Second - p.First) > 0));
        }
        Assert.True(TensorEquality.Identical(forward.Trajectory![0], x0));
        // FSAL: 6 evaluations per attempted step, plus the first stage and Hairer's trial evaluation.
        Assert.Equal(6 * (forward.AcceptedSteps + forward.RejectedSteps) + 2, forward.FunctionEvaluations);
    }

    [Fact]
    public void OnlyTheFinalStateOutlivesTheIntegration()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var before = scope.DisposablesCount;

        new DormandPrinceSolver().Integrate(LinearTestSystem.Field(a), x0, 0, 1);

        Assert.Equal(before + 1, scope.DisposablesCount);
    }

    [Fact]
    public void ASingularityStopsTheSolverWithAnErrorNamingItsTime()
    {
        using var scope = torch.NewDisposeScope();
        // dx/dt = 1/(t − 0.5): x = log|t − 0.5| diverges at t = 0.5, where steps must shrink without end.
        var x0 = torch.zeros(2, 1, dtype: ScalarType.Float64);
        var error = Assert.Throws<StepSizeUnderflowException>(
            () => new DormandPrinceSolver().Integrate((x, t) => torch.full_like(x, 1 / (t - 0.5)), x0, 0, 1));

        output.WriteLine(error.Message);
        // The steps shrink geometrically towards 0.5 and fall below 1e-10 within a few 1e-9 of it.
        Assert.Equal(0.5, error.Time, 6);
        Assert.True(error.Step < 1e-10);
        Assert.Contains("t = 0.5", error.Message);
        Assert.Contains("fell below the minimum 1e-10", error.Message);
    }

    [Fact]
    public void AFiniteTimeBlowUpStopsTheSolverWithAnErrorNamingItsTime()
    {
        using var scope = torch.NewDisposeScope();
        // dx/dt = x² from 10: x = 1/(0.1 − t) blows up at t = 0.1.
        var x0 = torch.full(1, 1, 10.0, dtype: ScalarType.Float64);
        var error = Assert.Throws<StepSizeUnderflowException>(
            () => new DormandPrinceSolver().Integrate((x, _) => x.square(), x0, 0, 1));

        output.WriteLine(error.Message);
        Assert.Equal(0.1, error.Time, 6);
        Assert.Contains($"t = {error.Time:G6}", error.Message);
    }

    [Fact]
    public void DynamicsThatTurnNaNStopTheSolverWhereTheyDo()
    {
        using var scope = torch.NewDisposeScope();
        var x0 = LinearTestSystem.StartPoints();
        Dynamics f = (x, t) => t > 0.3 ? torch.full_like(x, double.NaN) : -x;

        var error = Assert.Throws<StepSizeUnderflowException>(() => new DormandPrinceSolver().Integrate(f, x0, 0, 1));

        output.WriteLine(error.Message);
        // Every trial step reaching past 0.3 is rejected, so the accepted steps creep up to 0.3 from below.
        Assert.InRange(error.Time, 0.3 - 1e-6, 0.3);
        Assert.Contains("NaN or infinite", error.Message);
    }

    [Fact]
    public void RunningOutOfStepsIsReported()
    {
        using var scope = torch.NewDisposeScope();
        var a = LinearTestSystem.Matrix();
        var x0 = LinearTestSystem.StartPoints();
        var solver = new DormandPrinceSolver(new AdaptiveOptions(1e-10, 1e-10, MaximumSteps: 5));

        var error = Assert.Throws<OdeIntegrationException>(() => solver.Integrate(LinearTestSystem.Field(a), x0, 0, 1));

        Assert.Contains("limit of 5 steps", error.Message);
        Assert.True(error.Time > 0 && error.Time < 1);
    }

    public static TheoryData<AdaptiveOptions, string> InvalidOptions => new()
    {
        { new AdaptiveOptions(RelativeTolerance: -1), "RelativeTolerance" },
        { new AdaptiveOptions(AbsoluteTolerance: 0), "AbsoluteTolerance" },
        { new AdaptiveOptions(InitialStep: -0.1), "InitialStep" },
        { new AdaptiveOptions(InitialStep: 1e-12), "InitialStep" },
        { new AdaptiveOptions(MinimumStep: 0), "MinimumStep" },
        { new AdaptiveOptions(MaximumSteps: 0), "MaximumSteps" },
    };

    [Theory, MemberData(nameof(InvalidOptions))]
    public void InvalidOptionsAreRejectedNamingTheField(AdaptiveOptions options, string field)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DormandPrinceSolver(options));
        Assert.Equal(field, error.ParamName);
    }
}
