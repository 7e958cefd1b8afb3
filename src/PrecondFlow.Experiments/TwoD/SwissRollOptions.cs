namespace PrecondFlow.Experiments.TwoD;

/// <summary>Settings of the Table 1 experiment (Fig. 3–5): N(0, I) → the Swiss roll, with and without preconditioners.</summary>
/// <param name="MainFlow">The main flow, the same for every arm.</param>
/// <param name="Noise">Standard deviation of the Swiss roll's isotropic noise (in its scaled units, where each coordinate has std ≈ 1).</param>
/// <param name="TrainCount">Training points (drawn per seed).</param>
/// <param name="TestCount">Held-out points, and samples drawn for the metrics.</param>
/// <param name="RealNvpSteps">Training steps of the RealNVP preconditioner (the paper's architecture: 6 couplings, 2×256 ReLU).</param>
/// <param name="RealNvpHidden">Units per hidden layer of RealNVP's coupling networks (the paper: 256).</param>
/// <param name="FlowPreconditionerSteps">Training steps of the small flow-matching preconditioner (172 parameters).</param>
/// <param name="NeighbourRadius">A sample farther than this from every held-out point counts as off the data (and a held-out
/// point farther than this from every sample as missed): twice the default noise.</param>
public sealed record SwissRollOptions(
    MainFlowBudget MainFlow,
    double Noise = 0.05,
    int TrainCount = 20_000,
    int TestCount = 5_000,
    int RealNvpSteps = 1_000,
    int RealNvpHidden = 256,
    int FlowPreconditionerSteps = 1_000,
    double NeighbourRadius = 0.1)
{
    /// <summary>The real experiment.</summary>
    public static SwissRollOptions Default { get; } = new(new MainFlowBudget([128, 128, 128], Steps: 2500, BatchSize: 512, LearningRate: 2e-3));

    /// <summary>A reduced budget for trying things and for tests.</summary>
    public static SwissRollOptions Quick { get; } = new(
        new MainFlowBudget([32, 32], Steps: 150, BatchSize: 128, LearningRate: 3e-3, LogEvery: 25, SolverSteps: 8),
        TrainCount: 2_000, TestCount: 500, RealNvpSteps: 60, RealNvpHidden: 32, FlowPreconditionerSteps: 60);

    public static SwissRollOptions For(bool quick) => quick ? Quick : Default;

    public void Validate()
    {
        MainFlow.Validate();
        if (!(Noise >= 0) || !double.IsFinite(Noise))
            throw new ArgumentOutOfRangeException(nameof(Noise), Noise, "The noise must be a finite number ≥ 0, e.g. 0.05.");
        if (TrainCount < 10 || TestCount < 10)
            throw new ArgumentOutOfRangeException(nameof(TrainCount), (TrainCount, TestCount), "Use at least 10 training and held-out points.");
        if (!(NeighbourRadius > 0))
            throw new ArgumentOutOfRangeException(nameof(NeighbourRadius), NeighbourRadius, "The neighbour radius must be positive, e.g. 0.1.");
        if (RealNvpSteps < 1 || RealNvpHidden < 1 || FlowPreconditionerSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(RealNvpSteps), (RealNvpSteps, RealNvpHidden, FlowPreconditionerSteps),
                "The preconditioners need at least one training step and one hidden unit.");
    }
}
