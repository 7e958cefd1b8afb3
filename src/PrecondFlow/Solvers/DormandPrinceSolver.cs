using PrecondFlow.Solvers.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// The adaptive Dormand–Prince 5(4) method ("dopri5", as in Hairer's DOPRI5 and scipy's RK45): seven
/// stages, the fifth-order solution is propagated and the embedded fourth-order one estimates the
/// local error; the last stage is the first of the next step (FSAL), so an accepted step costs six
/// evaluations.
/// </summary>
/// <remarks>
/// Step-size control (Hairer, Nørsett &amp; Wanner, <i>Solving ODEs I</i>, §II.4): with
/// err = RMS over all elements of e / (atol + rtol·max(|x|, |x_new|)), a step is accepted when err ≤ 1,
/// and the next step is h·min(<see cref="MaximumFactor"/>, max(<see cref="MinimumFactor"/>,
/// <see cref="Safety"/>·err^(−1/5))), never growing right after a rejection. A step whose error or new
/// state is not finite is rejected and shrunk by <see cref="MinimumFactor"/>. The error norm is
/// pooled over the whole batch, so every sample shares the step sizes; one host read per step.
/// </remarks>
public sealed class DormandPrinceSolver : IOdeSolver
{
    /// <summary>Safety factor applied to the optimal step size.</summary>
    public const double Safety = 0.9;

    /// <summary>Smallest factor by which one step may shrink the next.</summary>
    public const double MinimumFactor = 0.2;

    /// <summary>Largest factor by which one step may grow the next.</summary>
    public const double MaximumFactor = 10.0;

    // Butcher tableau (Dormand & Prince 1980).
    private const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
    private const double A21 = 1.0 / 5;
    private const double A31 = 3.0 / 40, A32 = 9.0 / 40;
    private const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    private const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
    private const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
    private const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784, B6 = 11.0 / 84;
    // E = b (5th order) − b̂ (4th order): the local error estimate is h·Σ Eᵢ kᵢ.
    private const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

    /// <param name="options">tolerances and limits; null uses the defaults of <see cref="AdaptiveOptions"/>.</param>
    public DormandPrinceSolver(AdaptiveOptions? options = null)
    {
        Options = options ?? new AdaptiveOptions();
        Options.Validate();
    }

    /// <inheritdoc/>
    public string Name => "dopri5";

    /// <summary>The tolerances and step limits in force (validated).</summary>
    public AdaptiveOptions Options { get; }

    /// <inheritdoc/>
    /// <exception cref="StepSizeUnderflowException">The step had to shrink below <see cref="AdaptiveOptions.MinimumStep"/>.</exception>
    public OdeSolution Integrate(Dynamics f, Tensor x0, double t0, double t1, bool keepTrajectory = false)
    {
        OdeArguments.Check(Name, f, x0, t0, t1);
        var dynamics = new CountingDynamics(f, Name);
        using var solution = new SolutionBuilder(x0, t0, keepTrajectory);
        if (t0 == t1)
            return solution.Build(evaluations: 0, rejected: 0);

        var span = Math.Abs(t1 - t0);
        var direction = Math.Sign(t1 - t0);
        var k1 = dynamics.Invoke(x0, t0);
        var h = Math.Min(Options.InitialStep ?? InitialStep(dynamics, x0, k1, t0, direction, span), span);
        var rejected = 0;
        var rejectedLast = false;
        var lastTrialNotFinite = false;

        while (solution.Time != t1)
        {
            NativeScalars.CollectEvery(solution.Steps + rejected + 1);
            if (solution.Steps + rejected >= Options.MaximumSteps)
                throw new OdeIntegrationException(
                    $"{Name}: reached the limit of {Options.MaximumSteps} steps at t = {Numbers.Time(solution.Time)} " +
                    $"on the way from t = {Numbers.Time(t0)} to {Numbers.Time(t1)}. Raise MaximumSteps or loosen the tolerances " +
                    $"(rtol = {Numbers.Small(Options.RelativeTolerance)}, atol = {Numbers.Small(Options.AbsoluteTolerance)}).",
                    solution.Time);

            var t = solution.Time;
            var remaining = Math.Abs(t1 - t);
            // Stretch a step that would leave a sliver shorter than 1e-12 of the span, so that t1 is hit exactly.
            var lastStep = h >= remaining - 1e-12 * span;
            var step = lastStep ? remaining : h;
            var tNew = lastStep ? t1 : t + direction * step;

            using var scope = torch.NewDisposeScope();
            var (xNew, k7, error, finite) = Attempt(dynamics, solution.Current, k1, t, direction * step, tNew);
            var accepted = finite && error <= 1.0;
            lastTrialNotFinite = !finite;
            var factor = !finite ? MinimumFactor
                : error == 0 ? MaximumFactor
                : Math.Clamp(Safety * Math.Pow(error, -0.2), MinimumFactor, MaximumFactor);

            if (accepted)
            {
                k1.Dispose();
                k1 = k7.MoveToOuterDisposeScope();
                solution.Advance(xNew.MoveToOuterDisposeScope(), tNew);
                h = step * (rejectedLast ? Math.Min(factor, 1.0) : factor);
                rejectedLast = false;
            }
            else
            {
                rejected++;
                h = step * Math.Min(factor, 1.0);
                rejectedLast = true;
            }

            if (h < Options.MinimumStep && Math.Abs(t1 - solution.Time) > h)
                throw new StepSizeUnderflowException(
                    $"{Name}: step size {Numbers.Small(h)} at t = {Numbers.Time(solution.Time)} fell below the minimum " +
                    $"{Numbers.Small(Options.MinimumStep)}: the dynamics are too stiff or not finite there" +
                    (lastTrialNotFinite ? " (the last trial step gave NaN or infinite values)." : "."),
                    solution.Time, h, Options.MinimumStep);
        }
        k1.Dispose();
        return solution.Build(dynamics.Evaluations, rejected);
    }

    /// <summary>One Dormand–Prince step: the new state, the last stage (FSAL), the scaled error norm and
    /// whether both error and new state are finite, read back in one transfer.</summary>
    private (Tensor XNew, Tensor K7, double Error, bool Finite) Attempt(
        CountingDynamics f, Tensor x, Tensor k1, double t, double h, double tNew)
    {
        var k2 = f.Invoke(x + (h * A21) * k1, t + C2 * h);
        var k3 = f.Invoke(x + h * (A31 * k1 + A32 * k2), t + C3 * h);
        var k4 = f.Invoke(x + h * (A41 * k1 + A42 * k2 + A43 * k3), t + C4 * h);
        var k5 = f.Invoke(x + h * (A51 * k1 + A52 * k2 + A53 * k3 + A54 * k4), t + C5 * h);
        var k6 = f.Invoke(x + h * (A61 * k1 + A62 * k2 + A63 * k3 + A64 * k4 + A65 * k5), t + h);
        var xNew = x + h * (B1 * k1 + B3 * k3 + B4 * k4 + B5 * k5 + B6 * k6);
        var k7 = f.Invoke(xNew, tNew);
        var error = h * (E1 * k1 + E3 * k3 + E4 * k4 + E5 * k5 + E6 * k6 + E7 * k7);
        var scale = Options.AbsoluteTolerance + Options.RelativeTolerance * torch.maximum(x.abs(), xNew.abs());
        var norm = (error / scale).to(ScalarType.Float64).square().mean().sqrt();
        var allFinite = xNew.isfinite().all().to(ScalarType.Float64);
        var read = torch.stack(new[] { norm, allFinite }).data<double>().ToArray();
        var finite = double.IsFinite(read[0]) && read[1] == 1.0;
        return (xNew, k7, read[0], finite);
    }

    /// <summary>Hairer's starting step: a step whose explicit-Euler error would be about 1% of the
    /// tolerance, capped at 100 times a trial step (one extra evaluation).</summary>
    private double InitialStep(CountingDynamics f, Tensor x0, Tensor f0, double t0, int direction, double span)
    {
        using var scope = torch.NewDisposeScope();
        var scale = Options.AbsoluteTolerance + Options.RelativeTolerance * x0.abs();
        var d = torch.stack(new[] { Rms(x0 / scale), Rms(f0 / scale) }).data<double>().ToArray();
        var (d0, d1) = (d[0], d[1]);
        if (!double.IsFinite(d1))
            throw new OdeIntegrationException(
                $"{Name}: the dynamics are NaN or infinite at the start t = {Numbers.Time(t0)}.", t0);
        var h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
        h0 = Math.Min(h0, span);
        var f1 = f.Invoke(x0 + (direction * h0) * f0, t0 + direction * h0);
        var d2 = Rms((f1 - f0) / scale).item<double>() / h0;
        var h1 = !double.IsFinite(d2) ? h0
            : Math.Max(d1, d2) <= 1e-15 ? Math.Max(1e-6, h0 * 1e-3)
            : Math.Pow(0.01 / Math.Max(d1, d2), 1.0 / 5);
        return Math.Max(Math.Min(100 * h0, h1), Options.MinimumStep);
    }

    private static Tensor Rms(Tensor x) => x.to(ScalarType.Float64).square().mean().sqrt();
}
