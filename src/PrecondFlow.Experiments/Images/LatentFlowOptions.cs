using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// The flows in the VAE latent space (paper Table 4 and App. F.1): the main flow, the same for every arm, and the preconditioners.
/// Budgets are in epochs over the training latents and converted to optimizer steps with <see cref="Steps"/>.
/// </summary>
/// <param name="Epochs">Main-flow epochs (the paper: 1000).</param>
/// <param name="BatchSize">Latents per minibatch (the paper: 4096).</param>
/// <param name="Hidden">Hidden widths of the class-conditional MLP (the paper: 2 × 128).</param>
/// <param name="Activation">Its activation (the paper's preconditioner says ReLU and is "identical to the main flow").</param>
/// <param name="LearningRate">Peak AdamW learning rate (2% warm-up, then cosine decay to 0).</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="Path">Probability path of the main flow and of the flow preconditioner (the paper: sine–cosine interpolation).</param>
/// <param name="Solver">ODE solver for sampling.</param>
/// <param name="SolverSteps">Its number of steps.</param>
/// <param name="FlowPreconditionerFraction">Epochs of the flow preconditioner as a fraction of the main flow's (the paper: 300/1000).</param>
/// <param name="FlowPreconditionerSolverSteps">RK4 steps of the flow preconditioner's map P and of P⁻¹.</param>
/// <param name="RealNvpSteps">Maximum-likelihood steps of the RealNVP preconditioner.</param>
/// <param name="RealNvpBatchSize">Its minibatch size.</param>
/// <param name="RealNvpHidden">Width of its coupling MLPs (the paper: 256).</param>
/// <param name="LogEvery">The main flow's loss is read back every this many steps.</param>
public sealed record LatentFlowOptions(
    int Epochs,
    int BatchSize = 4096,
    int[]? Hidden = null,
    string Activation = "relu",
    double LearningRate = 1e-3,
    double WeightDecay = 1e-4,
    string Path = "sine-cosine",
    string Solver = "rk4",
    int SolverSteps = 50,
    double FlowPreconditionerFraction = 0.3,
    int FlowPreconditionerSolverSteps = 32,
    int RealNvpSteps = 1500,
    int RealNvpBatchSize = 512,
    int RealNvpHidden = 256,
    int LogEvery = 10)
{
    /// <summary>Hidden widths, 2 × 128 when not given.</summary>
    public int[] HiddenWidths => Hidden ?? [128, 128];

    /// <summary>Optimizer steps for <paramref name="epochs"/> passes over <paramref name="count"/> latents (at least one).</summary>
    public int Steps(double epochs, long count) => Math.Max(1, (int)Math.Round(epochs * count / BatchSize));

    /// <summary>The main flow's network and path.</summary>
    public ModelSpec Spec(int dim, int classes) => new(
        new FieldConfig(Dim: dim, NumClasses: classes, Hidden: HiddenWidths, Activation: Activation, Labels: LabelEncoding.OneHot),
        Path, Objective.FlowMatching);

    /// <summary>The main flow's training for one seed on <paramref name="count"/> latents.</summary>
    public TrainingOptions Training(long count, long seed)
    {
        int steps = Steps(Epochs, count);
        return new TrainingOptions(Steps: steps, BatchSize: BatchSize, LearningRate: LearningRate, WeightDecay: WeightDecay,
            WarmupSteps: steps / 50, LogEvery: Math.Min(LogEvery, steps), Seed: seed);
    }

    /// <summary>The sampler of the main flow.</summary>
    public SamplingOptions Sampling() => new(Solver: Solver, Steps: SolverSteps);

    /// <summary>The preconditioners' settings, label-conditional, for <paramref name="count"/> training latents.</summary>
    public PreconditionerSettings Preconditioners(long count) => new(
        RealNvp: new RealNvpOptions(Hidden: RealNvpHidden, Steps: RealNvpSteps, BatchSize: RealNvpBatchSize, LogEvery: 25),
        Flow: new FlowPreconditionerOptions(Hidden: HiddenWidths, Activation: Activation,
            Steps: Steps(Epochs * FlowPreconditionerFraction, count), BatchSize: BatchSize, LearningRate: LearningRate,
            Path: Path, Solver: "rk4", SolverSteps: FlowPreconditionerSolverSteps),
        Conditional: true);

    public void Validate()
    {
        if (Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"The main flow needs at least one epoch; got {Epochs}.");
        if (!(FlowPreconditionerFraction > 0 && FlowPreconditionerFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(FlowPreconditionerFraction), FlowPreconditionerFraction,
                $"The flow preconditioner's share of the main flow's epochs is a fraction in (0, 1]; got {FlowPreconditionerFraction}. The paper uses 0.3.");
        Spec(64, 10).Validate();
        Training(BatchSize, 0).Validate();
        Sampling().Validate();
        var settings = Preconditioners(BatchSize);
        settings.RealNvp!.Validate();
        settings.Flow!.Validate();
    }
}
