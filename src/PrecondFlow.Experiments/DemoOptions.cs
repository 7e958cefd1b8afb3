using PrecondFlow.Experiments.Studies;

namespace PrecondFlow.Experiments;

/// <summary>
/// Settings of `precondflow demo`: two convergence studies (<see cref="ConvergenceStudy"/>) on elongated Gaussians, the
/// baseline ("none") against one preconditioner, same network, steps, batch and paired seeds. The defaults finish in
/// under two minutes on two CPU cores and show the thin direction stalling without a preconditioner.
/// </summary>
/// <param name="Kappa">Condition number of the main target, where the theory predicts a plateau.</param>
/// <param name="ContrastKappa">Condition number of the contrast target, where preconditioning should not matter much.</param>
/// <param name="Count">Points drawn from each target (split into train, validation and test by the study).</param>
/// <param name="Preconditioner">The preconditioner compared with the baseline (any spec PreconditionerFactory knows).</param>
/// <param name="Steps">Main-flow steps of each arm.</param>
/// <param name="FirstEvaluation">First evaluation step; later ones double it up to <paramref name="Steps"/>.</param>
/// <param name="Seeds">Paired seeds per study (0, 1, …): split, initial weights, minibatches and sampling noise.</param>
/// <param name="LearningRate">The one learning rate of both arms, constant after warm-up (the plateau regime).</param>
/// <param name="WarmupSteps">Linear warm-up steps.</param>
/// <param name="Hidden">Hidden widths of the main flow's MLP.</param>
/// <param name="BatchSize">Minibatch size.</param>
/// <param name="Samples">Points generated at each evaluation.</param>
/// <param name="SolverSteps">RK4 steps of the sampler.</param>
/// <param name="Seed">Seed of the data draw (the studies' seeds are 0 … Seeds − 1).</param>
public sealed record DemoOptions(
    double Kappa = 1e4,
    double ContrastKappa = 1e2,
    int Count = 6_000,
    string Preconditioner = "whiten",
    int Steps = 4_000,
    int FirstEvaluation = 125,
    int Seeds = 3,
    double LearningRate = 2e-3,
    int WarmupSteps = 25,
    int[]? Hidden = null,
    int BatchSize = 128,
    int Samples = 1_000,
    int SolverSteps = 10,
    long Seed = 0)
{
    /// <summary>Two hidden layers of 32: small enough for the budget, large enough to fit a Gaussian's velocity.</summary>
    public int[] HiddenWidths => Hidden ?? [32, 32];

    /// <summary>The study each target runs: one rate (so the learning-rate "search" is a short formality), constant
    /// after warm-up, no compute-matched arms (whitening has no training cost to match), final samples kept.</summary>
    public StudyOptions Study() => new(
        Arms: [Preconditioner], Steps: Steps, FirstEvaluation: FirstEvaluation, Seeds: Seeds, LearningRates: [LearningRate],
        SearchFraction: 0.02, WarmupSteps: WarmupSteps, CosineDecay: false, Hidden: HiddenWidths, BatchSize: BatchSize,
        SolverSteps: SolverSteps, Samples: Samples, ComputeMatched: false, MetricSamples: 500, Projections: 32,
        KeepFinalSamples: true);
}
