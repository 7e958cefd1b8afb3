namespace PrecondFlow.Experiments.TwoD;

/// <summary>Settings of the Fig. 2 experiment: N(0, I) → an elongated 2D Gaussian, with and without whitening.</summary>
/// <param name="MainFlow">The main flow, the same for both arms.</param>
/// <param name="Kappa">Condition number κ = λ_max/λ_min of the target covariance.</param>
/// <param name="AngleDegrees">Angle of the long axis.</param>
/// <param name="MaxVariance">Variance along the long axis.</param>
/// <param name="TrainCount">Training points (drawn per seed).</param>
/// <param name="TestCount">Held-out points, and samples drawn for the metrics.</param>
/// <param name="ProbeCount">Probe points per time for the field error.</param>
/// <param name="EvaluateEvery">The field error is measured every this many steps (a multiple of the main flow's LogEvery).</param>
public sealed record ElongatedGaussianOptions(
    MainFlowBudget MainFlow,
    double Kappa = 100,
    double AngleDegrees = 30,
    double MaxVariance = 1,
    int TrainCount = 20_000,
    int TestCount = 5_000,
    int ProbeCount = 2_000,
    int EvaluateEvery = 100)
{
    /// <summary>The real experiment.</summary>
    public static ElongatedGaussianOptions Default { get; } = new(new MainFlowBudget([128, 128], Steps: 3000, BatchSize: 256, LearningRate: 1e-3));

    /// <summary>A reduced budget for trying things and for tests.</summary>
    public static ElongatedGaussianOptions Quick { get; } = new(
        new MainFlowBudget([32, 32], Steps: 150, BatchSize: 128, LearningRate: 3e-3, LogEvery: 25, SolverSteps: 8),
        TrainCount: 2_000, TestCount: 500, ProbeCount: 256, EvaluateEvery: 50);

    public static ElongatedGaussianOptions For(bool quick) => quick ? Quick : Default;

    public void Validate()
    {
        MainFlow.Validate();
        if (!(Kappa >= 1) || !double.IsFinite(Kappa))
            throw new ArgumentOutOfRangeException(nameof(Kappa), Kappa, "κ must be a finite number ≥ 1, e.g. 100.");
        if (TrainCount < 10 || TestCount < 10 || ProbeCount < 10)
            throw new ArgumentOutOfRangeException(nameof(TrainCount), (TrainCount, TestCount, ProbeCount),
                "Use at least 10 training, held-out and probe points.");
        if (EvaluateEvery < 1 || EvaluateEvery % MainFlow.LogEvery != 0)
            throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery,
                $"Measure the field every k·{MainFlow.LogEvery} steps (a multiple of the loss-logging interval).");
    }
}
