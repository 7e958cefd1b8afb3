using PrecondFlow.Fields;
using PrecondFlow.Paths;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// The least-squares losses of flow matching and score matching (SPEC §2): at every time t a regression of
/// the network output on the path's target, E‖f(x_t, t, y) − target‖², averaged over dimensions.
/// </summary>
public static class RegressionLoss
{
    /// <summary>The regression target of <paramref name="objective"/> for a path sample.</summary>
    public static Tensor Target(Objective objective, PathSample sample) => objective switch
    {
        Objective.FlowMatching => sample.Velocity,
        Objective.ScoreMatching => sample.X0,
        _ => throw new ArgumentOutOfRangeException(nameof(objective), objective, "Unknown objective."),
    };

    /// <summary>Weighted mean squared error, a scalar.</summary>
    /// <param name="field">The network being trained.</param>
    /// <param name="objective">Flow matching (target: the velocity) or score matching (target: the noise x₀).</param>
    /// <param name="sample">The path sample: (batch, dim) x_t, (batch, 1) t and the targets.</param>
    /// <param name="labels">(batch) int64 labels for a conditional field, else null.</param>
    /// <param name="weight">(batch, 1) per-sample weights from the time sampling.</param>
    public static Tensor Compute(VectorField field, Objective objective, PathSample sample, Tensor? labels, Tensor weight)
    {
        var prediction = field.call(sample.Xt, sample.T, labels);
        var perSample = (prediction - Target(objective, sample)).square().mean(new long[] { 1 }, keepdim: true);
        return (perSample * weight).mean();
    }
}
