using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// The UNet flows of the Table 3 reproduction (paper App. F.2): the class-conditional main flow, the same for every arm, and
/// the flow-matching preconditioner, which has the main flow's UNet and at most a third of its epochs. Budgets are in
/// epochs over the training points and converted to optimizer steps with <see cref="Steps"/>.
/// </summary>
/// <param name="Epochs">Main-flow epochs.</param>
/// <param name="BatchSize">Points per minibatch (the paper: 32 at 256² on a GPU).</param>
/// <param name="BaseChannels">Channels of the UNet's first level.</param>
/// <param name="ChannelMultipliers">Channels of each level as multiples of <paramref name="BaseChannels"/>.</param>
/// <param name="ResBlocks">Residual blocks per level.</param>
/// <param name="AttentionResolutions">Heights of the levels with self-attention.</param>
/// <param name="Heads">Attention heads (the paper: 4).</param>
/// <param name="Dropout">Dropout in the residual blocks.</param>
/// <param name="NormGroups">GroupNorm groups.</param>
/// <param name="LearningRate">Peak AdamW learning rate (2% warm-up, then cosine decay to 0), for both flows.</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="EmaDecay">Decay of the exponential moving average of the main flow's weights, which samples.</param>
/// <param name="Path">Probability path of both flows.</param>
/// <param name="Solver">ODE solver for sampling.</param>
/// <param name="SolverSteps">Its number of steps.</param>
/// <param name="PreconditionerFraction">Epochs of the flow preconditioner as a fraction of the main flow's: at most 1/3, as
/// in the paper.</param>
/// <param name="PreconditionerSolverSteps">RK4 steps of the flow preconditioner's P and P⁻¹.</param>
/// <param name="WhiteningShrinkage">Covariance shrinkage γ of the class-conditional whitening arm (needed in pixel space,
/// where border pixels are nearly constant).</param>
/// <param name="LogEvery">The loss is read back every this many steps.</param>
public sealed record UNetFlowOptions(
    int Epochs,
    int BatchSize = 128,
    int BaseChannels = 32,
    int[]? ChannelMultipliers = null,
    int ResBlocks = 1,
    int[]? AttentionResolutions = null,
    int Heads = 4,
    double Dropout = 0.1,
    int NormGroups = 8,
    double LearningRate = 1e-3,
    double WeightDecay = 0.0,
    double? EmaDecay = 0.999,
    string Path = "linear",
    string Solver = "rk4",
    int SolverSteps = 10,
    double PreconditionerFraction = 1.0 / 3,
    int PreconditionerSolverSteps = 8,
    double WhiteningShrinkage = 0.05,
    int LogEvery = 10)
{
    /// <summary>Optimizer steps for <paramref name="epochs"/> passes over <paramref name="count"/> points (at least one).</summary>
    public int Steps(double epochs, long count) => Math.Max(1, (int)Math.Round(epochs * count / BatchSize));

    /// <summary>The class-conditional UNet of (C, H, W) points, for the main flow and the flow preconditioner alike.</summary>
    public FieldConfig Field(int[] shape, int classes) => new(Kind: "unet", Dim: shape[0] * shape[1] * shape[2], NumClasses: classes,
        ImageShape: shape, BaseChannels: BaseChannels, ChannelMultipliers: ChannelMultipliers ?? [1, 2], ResBlocks: ResBlocks,
        AttentionResolutions: AttentionResolutions ?? [], Heads: Heads, Dropout: Dropout, NormGroups: NormGroups);

    /// <summary>The main flow's network and path.</summary>
    public ModelSpec Spec(int[] shape, int classes) => new(Field(shape, classes), Path, Objective.FlowMatching);

    /// <summary>The main flow's training for one seed on <paramref name="count"/> points.</summary>
    public TrainingOptions Training(long count, long seed)
    {
        int steps = Steps(Epochs, count);
        return new TrainingOptions(Steps: steps, BatchSize: BatchSize, LearningRate: LearningRate, WeightDecay: WeightDecay,
            WarmupSteps: steps / 50, EmaDecay: EmaDecay, LogEvery: Math.Min(LogEvery, steps), Seed: seed);
    }

    /// <summary>The sampler of the main flow.</summary>
    public SamplingOptions Sampling() => new(Solver: Solver, Steps: SolverSteps);

    /// <summary>The flow preconditioner: the main flow's UNet, <see cref="PreconditionerFraction"/> of its epochs, RK4 maps.</summary>
    public FlowPreconditionerOptions Preconditioner(int[] shape, int classes, long count) => new(
        Steps: Steps(Epochs * PreconditionerFraction, count), BatchSize: BatchSize, LearningRate: LearningRate, Path: Path,
        Solver: "rk4", SolverSteps: PreconditionerSolverSteps, Field: Field(shape, classes), MapBatchSize: 1024);

    public void Validate()
    {
        if (Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"The main flow needs at least one epoch; got {Epochs}.");
        if (!(PreconditionerFraction > 0 && PreconditionerFraction <= 1.0 / 3 + 1e-12))
            throw new ArgumentOutOfRangeException(nameof(PreconditionerFraction), PreconditionerFraction,
                $"The flow preconditioner gets at most a third of the main flow's epochs, as in the paper; got {PreconditionerFraction}.");
        if (!(WhiteningShrinkage >= 0 && WhiteningShrinkage <= 1))
            throw new ArgumentOutOfRangeException(nameof(WhiteningShrinkage), WhiteningShrinkage, "The shrinkage γ lies in [0, 1].");
        Training(BatchSize, 0).Validate();
        Sampling().Validate();
        Preconditioner([1, 8, 8], 10, BatchSize).Validate();
    }
}
