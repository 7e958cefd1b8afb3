using PrecondFlow.Solvers;
using static TorchSharp.torch;

namespace PrecondFlow.Sampling;

/// <summary>Draws samples from a generative model: x₀ ~ N(0, I), then the ODE or the reverse SDE up to t = 1.</summary>
public static class Sampler
{
    /// <summary>Samples <paramref name="count"/> points.</summary>
    /// <param name="model">The model to sample; its parameters' dtype is the samples' dtype.</param>
    /// <param name="count">Number of samples, at least 1.</param>
    /// <param name="options">ODE or reverse-SDE settings.</param>
    /// <param name="labels">(count) labels for a conditional model, or null (unconditional generation).</param>
    /// <param name="seed">Seed of the base noise (and of the SDE's noise).</param>
    /// <param name="device">Device of the base noise and of the samples; the model's device.</param>
    /// <returns>(count, dim) samples at t = 1, the labels on <paramref name="device"/>, the number of network evaluations,
    /// and the trajectory when <see cref="SamplingOptions.KeepTrajectory"/> is set.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> &lt; 1, or invalid options.</exception>
    /// <param name="rows">Only these rows of the <paramref name="count"/> samples (one process's share, see
    /// <see cref="SamplingOptions.RowsAreIndependent"/>): the base noise is drawn for all of them and sliced, so the rows
    /// equal those of the whole batch; <paramref name="labels"/> are then the slice's. Null for all.</param>
    /// <exception cref="ArgumentException">Labels of the wrong length, labels for an unconditional model, an unknown
    /// solver, or rows with a sampler whose rows depend on each other.</exception>
    public static SampleResult Sample(GenerativeModel model, long count, SamplingOptions options, long seed, Device device,
        Tensor? labels = null, Distributed.RowSlice? rows = null)
    {
        options.Validate();
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Ask for at least one sample.");
        if (rows is { IsWhole: false } && !options.RowsAreIndependent)
            throw new ArgumentException(
                $"Sampling with {(options.Method == SamplingMethod.Ode ? options.Solver : "the reverse SDE")} couples the samples of a batch; " +
                "only a fixed-step ODE solver can sample a slice of the rows.", nameof(rows));
        if (rows is { } slice && slice.GlobalBatch != count)
            throw new ArgumentException($"The rows are a slice of {slice.GlobalBatch} samples, not of {count}.", nameof(rows));
        long drawn = rows?.Length ?? count;
        if (labels is not null && labels.shape[0] != drawn)
            throw new ArgumentException($"Got {labels.shape[0]} labels for {drawn} samples.", nameof(labels));
        if (labels is not null && !model.Field.IsConditional)
            throw new ArgumentException("This model is unconditional: it takes no class labels.", nameof(labels));
        var dtype = model.Field.parameters().First().dtype;
        using var generator = new Generator((ulong)seed, device);
        var y = labels?.to(device);
        using var _ = no_grad();
        var x0 = randn(new[] { count, (long)model.Field.Dim }, dtype: dtype, device: device, generator: generator);
        if (rows is { IsWhole: false } part)
        {
            var all = x0;
            x0 = all.narrow(0, part.Start, part.Length).clone();
            all.Dispose();
        }
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
    /// <param name="model">The trained model, on its device.</param>
    /// <param name="x0">(count, dim) start points; cast to the model's dtype and device.</param>
    /// <param name="options">ODE settings (<see cref="SamplingMethod.Ode"/> only: the reverse SDE starts from its Gaussian).</param>
    /// <param name="labels">(count) labels for a conditional model, or null.</param>
    /// <returns>The end points (count, dim), and the trajectory when asked for (its first state is x₀).</returns>
    public static SampleResult SampleFrom(GenerativeModel model, Tensor x0, SamplingOptions options, Tensor? labels = null) =>
        Integrate(model, x0, nameof(x0), options, labels, model.StartTime, 1.0, "Sampling from given start points");

    /// <summary>
    /// Runs the flow backwards (data → base): carries points at t = 1 along the model's probability-flow ODE down to its
    /// start time, the inverse of <see cref="SampleFrom"/> up to the solver's accuracy. For a model trained from
    /// N(0, I) the result is the latent code of each point; for one trained between two data sets, its source point.
    /// Deterministic; runs without gradients on the model's device.
    /// </summary>
    /// <param name="model">The trained model, on its device.</param>
    /// <param name="x1">(count, dim) points at t = 1; cast to the model's dtype and device.</param>
    /// <param name="options">ODE settings (solver, steps, tolerances, guidance, trajectory); <see cref="SamplingMethod.Ode"/>
    /// only, as the reverse SDE has no backward counterpart here.</param>
    /// <param name="labels">(count) labels for a conditional model, or null.</param>
    /// <returns>The points at the start time (count, dim), and the trajectory when asked for (its first state is x₁,
    /// its times decrease).</returns>
    public static SampleResult Encode(GenerativeModel model, Tensor x1, SamplingOptions options, Tensor? labels = null) =>
        Integrate(model, x1, nameof(x1), options, labels, 1.0, model.StartTime, "Running the flow backwards");

    private static SampleResult Integrate(GenerativeModel model, Tensor start, string startName, SamplingOptions options, Tensor? labels,
        double from, double to, string what)
    {
        options.Validate();
        if (options.Method != SamplingMethod.Ode)
            throw new ArgumentException($"{what} integrates the ODE; the reverse SDE starts from N(0, I). Use SamplingMethod.Ode.",
                nameof(options));
        if (start.dim() != 2 || start.shape[0] < 1 || start.shape[1] != model.Field.Dim)
            throw new ArgumentException(
                $"{what} needs points of shape (count ≥ 1, {model.Field.Dim}); got ({string.Join(", ", start.shape)}).", startName);
        if (labels is not null && labels.shape[0] != start.shape[0])
            throw new ArgumentException($"Got {labels.shape[0]} labels for {start.shape[0]} points.", nameof(labels));
        if (labels is not null && !model.Field.IsConditional)
            throw new ArgumentException("This model is unconditional: it takes no class labels.", nameof(labels));
        var parameter = model.Field.parameters().First();
        var y = labels?.to(parameter.device);
        using var _ = no_grad();
        var x = start.to(parameter.device).to(parameter.dtype);
        var solver = OdeSolvers.Create(options.Solver, options.Steps, options.Adaptive);
        var solution = solver.Integrate(model.VelocityDynamics(y, options.Guidance), x, from, to, options.KeepTrajectory);
        return new SampleResult(solution.Final, y, solution.FunctionEvaluations,
            options.KeepTrajectory ? solution.Times : null, solution.Trajectory);
    }

    /// <summary>Class labels 0, 1, …, k−1, 0, 1, … for <paramref name="count"/> samples: every class equally often.</summary>
    public static Tensor BalancedLabels(long count, int numClasses, Device device) =>
        arange(count, dtype: ScalarType.Int64, device: device).remainder(numClasses);
}
