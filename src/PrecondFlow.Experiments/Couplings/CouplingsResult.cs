using PrecondFlow.Reporting;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments.Couplings;

/// <summary>Sample quality of one solver setting: held-out source points transported with it, against held-out target points.</summary>
/// <param name="Solver">"euler" or "rk4".</param>
/// <param name="Steps">Solver steps.</param>
/// <param name="Nfe">Network evaluations per point (RK4: 4 per step).</param>
/// <param name="Sw2">Sliced Wasserstein-2 distance in data units.</param>
/// <param name="Sw2Whitened">The same in the held-out target's whitened coordinates, where thin directions count as much as
/// wide ones.</param>
public sealed record QualityPoint(string Solver, int Steps, int Nfe, double Sw2, double Sw2Whitened);

/// <summary>One seed of one arm on one problem.</summary>
/// <param name="Seed">The seed: data split, initial weights and minibatch stream are the same for every arm.</param>
/// <param name="Quality">One point per solver setting.</param>
/// <param name="Straightness">∫₀¹ ‖v(x_t, t) − (x₁ − x₀)‖² dt averaged over points, in the main flow's coordinates.</param>
/// <param name="StraightnessData">The same integrand mapped to the target's data coordinates by the (affine) target map's
/// linear part; equal to <paramref name="Straightness"/> without a preconditioner. Comparable across arms.</param>
/// <param name="TrainSeconds">Wall-clock seconds of the main flow's training (the coupling included, the maps' fits not).</param>
/// <param name="FitSeconds">Seconds of fitting and applying both maps.</param>
/// <param name="Loss">The training loss, one mean per logging window.</param>
public sealed record CouplingRun(long Seed, IReadOnlyList<QualityPoint> Quality, double Straightness, double StraightnessData,
    double TrainSeconds, double FitSeconds, IReadOnlyList<LossPoint> Loss);

/// <summary>Every seed of one arm on one problem.</summary>
public sealed record CouplingArmResult(CouplingArm Arm, IReadOnlyList<CouplingRun> Runs);

/// <summary>One problem's arms, the noise floor of its metric, and the pictures of the first seed.</summary>
/// <param name="Problem">The problem's key ("moons", "elongated", "swiss-roll").</param>
/// <param name="Title">Its title.</param>
/// <param name="Arms">Every arm, in <see cref="CouplingArm.All"/>'s order.</param>
/// <param name="NoiseFloorSw2">Per seed, SW₂ between the held-out target points and a second independent sample of the
/// target (data units): no flow can be expected to do better.</param>
/// <param name="NoiseFloorSw2Whitened">The same in the target's whitened coordinates.</param>
/// <param name="Target">Held-out target points of the first seed (for the scatter).</param>
/// <param name="LowNfeSamples">Per arm key, held-out source points of the first seed transported with <see
/// cref="CouplingsExperiment.LowNfe"/>.</param>
public sealed record CouplingProblemResult(string Problem, string Title, IReadOnlyList<CouplingArmResult> Arms,
    IReadOnlyList<double> NoiseFloorSw2, IReadOnlyList<double> NoiseFloorSw2Whitened, Series Target,
    IReadOnlyDictionary<string, Series> LowNfeSamples);

/// <summary>The whole experiment: settings, seeds, every problem, and the wall time.</summary>
public sealed record CouplingsResult(CouplingsOptions Options, IReadOnlyList<long> Seeds, IReadOnlyList<CouplingProblemResult> Problems,
    double WallSeconds);
