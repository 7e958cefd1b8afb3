using PrecondFlow.Solvers;
using static TorchSharp.torch;

namespace PrecondFlow.Sampling;

/// <summary>Draws samples from a generative model: x₀ ~ N(0, I), then the ODE or the reverse SDE up to t = 1.</summary>
public static class Sampler
{
    /// <summary>Samples <paramref name="count"/> points.</summary>
    /// <param name="labels">(count) labels for a conditional model, or null (unconditional generation).</param>
    /// <param name="seed">Seed of the base noise (and of the SDE's noise).</param>
    public static SampleResult Sample(GenerativeModel model, long count, SamplingOptions options, long seed, Device device,
        Tensor? labels = null)
    {
        options.Validate();
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Ask for at least one sample.");
        if (labels is not null && labels.shape[0] != count)
            throw new ArgumentException($"Got {labels.shape[0]} labels for {count} samples.", nameof(labels));
        if (labels is not null && !model.Field.IsConditional)
            throw new ArgumentException("This model is unconditional: it takes no class labels.", nameof(labels));
        var dtype = model.Field.parameters().First().dtype;
        using var generator = new Generator((ulong)seed, device);
        var y = labels?.to(device);
        using var _ = no_grad();
        var x0 = randn(new[] { count, (long)model.Field.Dim }, dtype: dtype, device: device, generator: generator);
        OdeSolution solution;
        if (options.Method == SamplingMethod.Ode)
        {
            var solver = OdeSolvers.Create(options.Solver, options.Steps, options.Adaptive);
            solution = solver.Integrate(model.VelocityDynamics(y, options.Guidance), x0, model.StartTime, 1.0, options.KeepTrajectory);
        }
        else
        {
            var (drift, diffusion) = model.ReverseSde(y, options.Guidance);
            solution = new EulerMaruyamaSolver(options.Steps)
                .Integrate(drift, diffusion, x0, model.StartTime, 1.0, generator, options.KeepTrajectory);
        }
        return new SampleResult(solution.Final, y, solution.FunctionEvaluations,
            options.KeepTrajectory ? solution.Times : null, solution.Trajectory);
    }

    /// <summary>Class labels 0, 1, …, k−1, 0, 1, … for <paramref name="count"/> samples: every class equally often.</summary>
    public static Tensor BalancedLabels(long count, int numClasses, Device device) =>
        arange(count, dtype: ScalarType.Int64, device: device).remainder(numClasses);
}
