namespace PrecondFlow.Experiments.TwoD;

/// <summary>Settings of the Fig. 11 experiment: transport from the checkerboard to the Swiss roll, with and without preconditioning.</summary>
/// <param name="MainFlow">The main flow, the same for every arm.</param>
/// <param name="Noise">Standard deviation of the Swiss roll's isotropic noise.</param>
/// <param name="TrainCount">Training points of each data set (drawn per seed).</param>
/// <param name="TestCount">Held-out points of each data set for the final metrics.</param>
/// <param name="EvaluationCount">Held-out points (a fixed subsample) transported for the MMD curve during training.</param>
/// <param name="EvaluateEvery">The MMD is measured every this many steps (a multiple of the main flow's LogEvery).</param>
/// <param name="FlowPreconditionerSteps">Training steps of each small flow-matching preconditioner (one per data set).</param>
/// <param name="NeighbourRadius">A transported point farther than this from every held-out Swiss-roll point counts as off
/// the data (and a held-out point farther than this from every transported point as missed): twice the default noise.</param>
public sealed record CheckerboardToSwissRollOptions(
    MainFlowBudget MainFlow,
    double Noise = 0.05,
    int TrainCount = 20_000,
    int TestCount = 4_000,
    int EvaluationCount = 1_000,
    int EvaluateEvery = 250,
    int FlowPreconditionerSteps = 1_000,
    double NeighbourRadius = 0.1)
{
    /// <summary>The real experiment.</summary>
    public static CheckerboardToSwissRollOptions Default { get; } = new(new MainFlowBudget([128, 128, 128], Steps: 2500, BatchSize: 512, LearningRate: 2e-3));

    /// <summary>A reduced budget for trying things and for tests.</summary>
    public static CheckerboardToSwissRollOptions Quick { get; } = new(
        new MainFlowBudget([32, 32], Steps: 150, BatchSize: 128, LearningRate: 3e-3, LogEvery: 25, SolverSteps: 8),
        TrainCount: 2_000, TestCount: 500, EvaluationCount: 200, EvaluateEvery: 50, FlowPreconditionerSteps: 60);

    public static CheckerboardToSwissRollOptions For(bool quick) => quick ? Quick : Default;

    public void Validate()
    {
        MainFlow.Validate();
        if (!(Noise >= 0) || !double.IsFinite(Noise))
            throw new ArgumentOutOfRangeException(nameof(Noise), Noise, "The noise must be a finite number ≥ 0, e.g. 0.05.");
        if (TrainCount < 10 || TestCount < 10 || EvaluationCount < 10)
            throw new ArgumentOutOfRangeException(nameof(TrainCount), (TrainCount, TestCount, EvaluationCount),
                "Use at least 10 training, held-out and evaluation points.");
        if (EvaluationCount > TestCount)
            throw new ArgumentOutOfRangeException(nameof(EvaluationCount), EvaluationCount,
                $"The evaluation subsample is taken from the {TestCount} held-out points; use at most that many.");
        if (EvaluateEvery < 1 || EvaluateEvery % MainFlow.LogEvery != 0)
            throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery,
                $"Measure the MMD every k·{MainFlow.LogEvery} steps (a multiple of the loss-logging interval).");
        if (!(NeighbourRadius > 0))
            throw new ArgumentOutOfRangeException(nameof(NeighbourRadius), NeighbourRadius, "The neighbour radius must be positive, e.g. 0.1.");
        if (FlowPreconditionerSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(FlowPreconditionerSteps), FlowPreconditionerSteps, "Train the preconditioner for at least one step.");
    }
}
