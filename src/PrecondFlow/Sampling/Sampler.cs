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
        if (!ReferenceEquals(solution.Final, x0))
            x0.Dispose(); // the trajectory keeps a copy of the start, so the base noise is ours to free
        return new SampleResult(solution.Final, y, solution.FunctionEvaluations,
            options.KeepTrajectory ? solution.Times : null, solution.Trajectory);
    }

    /// <summary>
    /// Carries given start points along the model's probability-flow ODE from its start time to t = 1, instead of
    /// drawing them from N(0, I): the sampler of a flow trained between two data sets (see the source points of
    /// <see cref="Training.FlowTrainer.Train"/>). Deterministic; runs without gradients on the model's device.
    /// </summary>
    /// <param name="x0">(count, dim) start points; cast to the model's dtype and device.</param>
    /// <param name="options">ODE settings (<see cref="SamplingMethod.Ode"/> only: the reverse SDE starts from its Gaussian).</param>
    /// <param name="labels">(count) labels for a conditional model, or null.</param>
    /// <returns>The end points (count, dim), and the trajectory when asked for (its first state is x₀).</returns>
    public static SampleResult SampleFrom(GenerativeModel model, Tensor x0, SamplingOptions options, Tensor? labels = null)
    {
        options.Validate();
        if (options.Method != SamplingMethod.Ode)
            throw new ArgumentException("Sampling from given start points integrates the ODE; the reverse SDE starts from N(0, I). Use SamplingMethod.Ode.",
                nameof(options));
        if (x0.dim() != 2 || x0.shape[0] < 1 || x0.shape[1] != model.Field.Dim)
            throw new ArgumentException(
                $"Start points must have shape (count ≥ 1, {model.Field.Dim}); got ({string.Join(", ", x0.shape)}).", nameof(x0));
        if (labels is not null && labels.shape[0] != x0.shape[0])
            throw new ArgumentException($"Got {labels.shape[0]} labels for {x0.shape[0]} start points.", nameof(labels));
        if (labels is not null && !model.Field.IsConditional)
            throw new ArgumentException("This model is unconditional: it takes no class labels.", nameof(labels));
        var parameter = model.Field.parameters().First();
        var y = labels?.to(parameter.device);
        using var _ = no_grad();
        var start = x0.to(parameter.device).to(parameter.dtype);
        var solver = OdeSolvers.Create(options.Solver, options.Steps, options.Adaptive);
        var solution = solver.Integrate(model.VelocityDynamics(y, options.Guidance), start, model.StartTime, 1.0, options.KeepTrajectory);
        return new SampleResult(solution.Final, y, solution.FunctionEvaluations,
            options.KeepTrajectory ? solution.Times : null, solution.Trajectory);
    }

    /// <summary>Class labels 0, 1, …, k−1, 0, 1, … for <paramref name="count"/> samples: every class equally often.</summary>
    public static Tensor BalancedLabels(long count, int numClasses, Device device) =>
        arange(count, dtype: ScalarType.Int64, device: device).remainder(numClasses);
}
