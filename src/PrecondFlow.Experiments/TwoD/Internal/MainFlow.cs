using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>The main flow's network, drawn the same for every arm, and the condition number the experiments report.</summary>
internal static class MainFlow
{
    /// <summary>A fresh network whose initial weights depend on <paramref name="seed"/> only: the same for every arm.</summary>
    public static VectorField Create(ModelSpec spec, long seed, Device device)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        var field = VectorFields.Create(spec.Field, generator);
        field.to(device);
        return field;
    }

    /// <summary>κ of the sample covariance of (n, d) points (float64).</summary>
    public static double ConditionNumber(Tensor points)
    {
        using var scope = NewDisposeScope();
        return LinearAlgebra.SymmetricMatrices.ConditionNumber(LinearAlgebra.SampleCovariance.Of(points.detach().cpu().to(ScalarType.Float64)));
    }
}
