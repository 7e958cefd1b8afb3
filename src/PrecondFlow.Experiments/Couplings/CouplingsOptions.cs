namespace PrecondFlow.Experiments.Couplings;

/// <summary>Settings of the couplings experiment: one main flow for every arm, problem and seed.</summary>
/// <param name="Steps">Adam steps of the main flow per arm and seed.</param>
/// <param name="BatchSize">Points per minibatch on each side (the coupling pairs batch × batch points).</param>
/// <param name="LearningRate">Adam's learning rate, constant after a linear warm-up (as TorchCFM's 1e-3).</param>
/// <param name="WarmupSteps">Steps of the linear warm-up.</param>
/// <param name="Hidden">Hidden widths of the MLP (SELU, raw time input: TorchCFM's MLP).</param>
/// <param name="LogEvery">The training loss is recorded every this many steps.</param>
/// <param name="TrainCount">Training points of each data set, drawn per seed.</param>
/// <param name="TestCount">Held-out source points transported, and held-out target points they are compared with.</param>
/// <param name="StraightnessPoints">Held-out source points along whose RK4 trajectories the straightness is measured.</param>
/// <param name="StraightnessSteps">RK4 steps of those trajectories (the integral over t is a trapezoid over their states).</param>
/// <param name="SinkhornEpsilon">ε of the Sinkhorn arms, in units of the squared cost where the coupling is measured.</param>
/// <param name="SinkhornIterations">Most Sinkhorn iterations per minibatch.</param>
/// <param name="SinkhornTolerance">Sinkhorn stops when the L1 error of the plan's row marginal is below this.</param>
/// <param name="Kappa">Condition number of the elongated Gaussian target of the anisotropic problem.</param>
public sealed record CouplingsOptions(
    int Steps = 500,
    int BatchSize = 256,
    double LearningRate = 1e-3,
    int WarmupSteps = 25,
    int[]? Hidden = null,
    int LogEvery = 25,
    int TrainCount = 10_000,
    int TestCount = 1_000,
    int StraightnessPoints = 250,
    int StraightnessSteps = 100,
    double SinkhornEpsilon = 0.2,
    int SinkhornIterations = 50,
    double SinkhornTolerance = 1e-3,
    double Kappa = 1_000)
{
    /// <summary>The MLP's hidden widths: <see cref="Hidden"/>, or 3 × 64.</summary>
    public IReadOnlyList<int> HiddenOrDefault => Hidden ?? [64, 64, 64];

    /// <summary>The default budget (about 15 minutes on two cores).</summary>
    public static CouplingsOptions Default { get; } = new();

    /// <summary>A budget of seconds, for trying things and for tests; its numbers say nothing.</summary>
    public static CouplingsOptions Quick { get; } = new(Steps: 40, BatchSize: 64, WarmupSteps: 5, Hidden: [16, 16], LogEvery: 10,
        TrainCount: 500, TestCount: 100, StraightnessPoints: 50, StraightnessSteps: 20, SinkhornIterations: 20);

    /// <summary><see cref="Quick"/> or <see cref="Default"/>.</summary>
    public static CouplingsOptions For(bool quick) => quick ? Quick : Default;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The setting out of range; the message names it and says what works.</exception>
    public void Validate()
    {
        if (Steps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"Train for at least one step; got {Steps}.");
        if (BatchSize < 2)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"A coupling pairs at least 2 points per minibatch; got {BatchSize}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be a positive number, e.g. 1e-3.");
        if (WarmupSteps < 0 || WarmupSteps > Steps)
            throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, $"The warm-up takes 0 to {Steps} steps.");
        if (HiddenOrDefault.Count == 0 || HiddenOrDefault.Any(w => w < 1))
            throw new ArgumentOutOfRangeException(nameof(Hidden), string.Join(",", HiddenOrDefault), "Give at least one hidden layer, each at least 1 wide.");
        if (LogEvery < 1)
            throw new ArgumentOutOfRangeException(nameof(LogEvery), LogEvery, "Log the loss at least every step (LogEvery ≥ 1).");
        if (TrainCount < BatchSize)
            throw new ArgumentOutOfRangeException(nameof(TrainCount), TrainCount, $"Use at least one minibatch ({BatchSize}) of training points.");
        if (TestCount < 10)
            throw new ArgumentOutOfRangeException(nameof(TestCount), TestCount, "Use at least 10 held-out points.");
        if (StraightnessPoints < 1 || StraightnessPoints > TestCount)
            throw new ArgumentOutOfRangeException(nameof(StraightnessPoints), StraightnessPoints,
                $"The straightness is measured on 1 to {TestCount} of the held-out source points.");
        if (StraightnessSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(StraightnessSteps), StraightnessSteps, "Integrate the trajectories with at least one RK4 step.");
        if (!(Kappa >= 1) || !double.IsFinite(Kappa))
            throw new ArgumentOutOfRangeException(nameof(Kappa), Kappa, "The target's condition number κ is a number ≥ 1, e.g. 1000.");
        Sinkhorn().Validate();
    }

    /// <summary>The coupling options of the Sinkhorn arms (the name replaced per arm).</summary>
    internal PrecondFlow.Couplings.CouplingOptions Sinkhorn() =>
        new("sinkhorn", SinkhornEpsilon, SinkhornIterations, SinkhornTolerance);
}
