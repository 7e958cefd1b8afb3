using PrecondFlow.Sampling;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Couplings;

/// <summary>
/// How straight a flow's paths are (rectified flow's straightness, Liu et al. 2022): for each start point x₀, the ODE
/// trajectory x_t of the learned velocity v, its end x₁, and
/// S = mean over points of ∫₀¹ ‖v(x_t, t) − (x₁ − x₀)‖² dt.
/// S = 0 exactly when every path is a straight line run at constant speed; it is measured in the space the flow lives
/// in (after a preconditioner, if any), so values of flows in different coordinates are not comparable.
/// </summary>
public static class PathStraightness
{
    /// <summary>S along RK4 trajectories of <paramref name="steps"/> steps, the integral over t by the trapezoid rule on
    /// the trajectory's states (v evaluated at each kept state), in float64.</summary>
    /// <param name="model">A flow-matching model (the velocity is its network's output).</param>
    /// <param name="x0">(count, dim) start points, in the flow's coordinates.</param>
    /// <param name="steps">RK4 steps (4 network evaluations each) from t = 0 to 1.</param>
    /// <param name="tangentMap">Optional linear map of a velocity (count, dim) to other coordinates, applied to
    /// v − (x₁ − x₀) before its norm: the differential of an affine map from the flow's coordinates to the data's, so that
    /// S is measured in data units. Null: the flow's coordinates.</param>
    /// <returns>S, ≥ 0, in squared units of the flow's coordinates (or of <paramref name="tangentMap"/>'s).</returns>
    public static double Measure(GenerativeModel model, Tensor x0, int steps = 100, Func<Tensor, Tensor>? tangentMap = null)
    {
        if (steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "Integrate with at least one RK4 step.");
        using var scope = NewDisposeScope();
        var result = Sampler.SampleFrom(model, x0, new SamplingOptions(Solver: "rk4", Steps: steps, KeepTrajectory: true));
        var states = result.Trajectory!;
        var times = result.Times!;
        using var _ = no_grad();
        var chord = states[^1] - states[0];
        var deviation = new double[states.Count];
        for (int k = 0; k < states.Count; k++)
        {
            using var perState = NewDisposeScope();
            var difference = model.Velocity(states[k], times[k]) - chord;
            if (tangentMap is not null)
                difference = tangentMap(difference);
            deviation[k] = difference.to(ScalarType.Float64).square().sum(1).mean().item<double>();
        }
        double integral = 0;
        for (int k = 1; k < states.Count; k++)
            integral += 0.5 * (deviation[k] + deviation[k - 1]) * (times[k] - times[k - 1]);
        return integral;
    }
}
