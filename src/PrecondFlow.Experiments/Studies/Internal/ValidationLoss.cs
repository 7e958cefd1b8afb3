using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Paths;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies.Internal;

/// <summary>The flow-matching loss of a trained field on held-out points, with (t, x₀) drawn from a fixed seed so that
/// every learning rate of a grid is scored on the same draws and the choice is deterministic.</summary>
internal static class ValidationLoss
{
    private const long DrawSeed = 20_201;

    /// <param name="validation">(n, dim) held-out points in the field's space (P(x)), with labels for a conditional field.</param>
    public static double Of(VectorField field, ModelSpec spec, PointCloud validation)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var parameter = field.parameters().First();
        using var generator = new Generator(DrawSeed);
        var x1 = validation.Points.to(parameter.dtype);
        var x0 = randn(x1.shape, dtype: x1.dtype, generator: generator).to(parameter.device);
        var t = rand(new long[] { x1.shape[0], 1 }, dtype: x1.dtype, generator: generator).to(parameter.device);
        var sample = AffinePath.FromName(spec.Path).Sample(x0, x1.to(parameter.device), t);
        var labels = field.IsConditional ? validation.Labels?.to(parameter.device) : null;
        double loss = RegressionLoss.Compute(field, spec.Objective, sample, labels, ones_like(t)).to_type(ScalarType.Float64).item<double>();
        return double.IsFinite(loss) ? loss : double.NaN;
    }
}
