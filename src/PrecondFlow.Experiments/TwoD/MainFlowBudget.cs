using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// The main flow of an experiment, the same for every arm: network, optimizer, steps, batch size and sampler.
/// Only the data it is trained on differ (x, or P(x) for a preconditioner P).
/// </summary>
/// <param name="Hidden">Hidden widths of the MLP velocity field (SiLU, sinusoidal time features).</param>
/// <param name="Steps">AdamW steps.</param>
/// <param name="BatchSize">Points per minibatch.</param>
/// <param name="LearningRate">Peak learning rate (2% linear warm-up, then cosine decay to 0).</param>
/// <param name="LogEvery">The loss is recorded every this many steps.</param>
/// <param name="Solver">ODE solver for sampling and inversion.</param>
/// <param name="SolverSteps">Its number of steps.</param>
public sealed record MainFlowBudget(
    int[] Hidden,
    int Steps,
    int BatchSize,
    double LearningRate,
    int LogEvery = 25,
    string Solver = "rk4",
    int SolverSteps = 25)
{
    /// <summary>The main flow's network, path (linear) and objective (flow matching) for 2D data.</summary>
    public ModelSpec Spec() => new(new FieldConfig(Dim: 2, Hidden: Hidden), "linear", Objective.FlowMatching);

    /// <summary>The training settings for one seed.</summary>
    public TrainingOptions Training(long seed) =>
        new(Steps: Steps, BatchSize: BatchSize, LearningRate: LearningRate, WarmupSteps: Steps / 50, LogEvery: LogEvery, Seed: seed);

    /// <summary>The ODE sampler (optionally keeping the trajectory for flow lines).</summary>
    public SamplingOptions Sampling(bool keepTrajectory = false) => new(Solver: Solver, Steps: SolverSteps, KeepTrajectory: keepTrajectory);

    /// <summary>Parameters of the velocity field.</summary>
    public long ParameterCount()
    {
        var field = Spec().Field;
        long inputs = field.Dim + TimeFeatures.Width(field.Time, field.TimeFeatures), total = 0;
        foreach (var width in Hidden)
        {
            total += inputs * width + width;
            inputs = width;
        }
        return total + inputs * field.Dim + field.Dim;
    }

    public void Validate()
    {
        Spec().Validate();
        Training(0).Validate();
        Sampling().Validate();
    }
}
