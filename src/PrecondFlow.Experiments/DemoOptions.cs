namespace PrecondFlow.Experiments;

/// <summary>Settings of `precondflow demo` (the defaults finish in about two minutes on two CPU cores).</summary>
/// <param name="Dataset">A named 2D data set.</param>
/// <param name="Preconditioner">The preconditioner compared with the baseline (any name PreconditionerFactory knows).</param>
/// <param name="TrainCount">Training points.</param>
/// <param name="TestCount">Held-out points (drawn with another seed) that samples are compared against.</param>
/// <param name="Steps">Optimizer steps of each main flow.</param>
/// <param name="BatchSize">Minibatch size.</param>
/// <param name="LearningRate">Peak learning rate (cosine decay).</param>
/// <param name="Hidden">Hidden widths of the MLP velocity field.</param>
/// <param name="SampleCount">Samples drawn for the metrics and the picture.</param>
/// <param name="Solver">ODE solver for sampling.</param>
/// <param name="SolverSteps">Steps of a fixed-step solver.</param>
/// <param name="Seed">Seed of data, initialisation, training and sampling (the same for both arms).</param>
public sealed record DemoOptions(
    string Dataset = "swiss-roll",
    string Preconditioner = "flow",
    int TrainCount = 20_000,
    int TestCount = 5_000,
    int Steps = 3_000,
    int BatchSize = 512,
    double LearningRate = 2e-3,
    int[]? Hidden = null,
    int SampleCount = 5_000,
    string Solver = "rk4",
    int SolverSteps = 50,
    long Seed = 0)
{
    /// <summary>Three hidden layers of 256: enough to draw the thin Swiss roll within the demo's budget.</summary>
    public int[] HiddenWidths => Hidden ?? new[] { 256, 256, 256 };
}
