using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>The main flow's network and the one thing the library's sampler does not do: run the flow backwards.</summary>
internal static class MainFlow
{
    /// <summary>A fresh network whose initial weights depend on <paramref name="seed"/> only: the same for every arm.</summary>
    public static VectorField Create(ModelSpec spec, long seed, Device device)
    {
        manual_seed(seed);
        var field = VectorFields.Create(spec.Field);
        field.to(device);
        return field;
    }

    /// <summary>Carries points from t = 1 back to the start time (data → Gaussian), without gradients.</summary>
    /// <param name="points">(n, dim) points at t = 1.</param>
    /// <returns>(n, dim) on the model's device, in its dtype.</returns>
    public static Tensor Invert(GenerativeModel model, Tensor points, SamplingOptions options)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var parameter = model.Field.parameters().First();
        var solver = OdeSolvers.Create(options.Solver, options.Steps, options.Adaptive);
        var start = points.to(parameter.device).to(parameter.dtype);
        return solver.Integrate(model.VelocityDynamics(), start, 1.0, model.StartTime).Final.MoveToOuterDisposeScope();
    }

    /// <summary>κ of the sample covariance of (n, d) points (float64).</summary>
    public static double ConditionNumber(Tensor points)
    {
        using var scope = NewDisposeScope();
        return Theory.SymmetricMatrices.ConditionNumber(Theory.SymmetricMatrices.Covariance(points.detach().cpu().to(ScalarType.Float64)));
    }
}
