using System.Globalization;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>
/// The 2D regimes of <c>reproduce study-2d</c>, each a convergence study with paired seeds and the claims it checks:
/// (a) the positive control, an elongated Gaussian at κ = 10² and 10⁴ (none / whiten / realnvp / flow);
/// (b) a labelled mixture of three Gaussians with per-class κ = 10³, 10², 10 at 0°, 60°, 120°
/// (none / whiten / class-whiten / label-conditional realnvp);
/// (c) the Swiss roll at unit scale (scikit-learn's coordinates / 7) and raw scale, noise 0.05 and 0.01 in unit-scale
/// units (the raw roll is exactly 7× the unit roll), with the sampler's ODE steps grown like 1/σ
/// (none / whiten / realnvp / flow of about 170 parameters);
/// (d) Fig. 11, transport from the checkerboard to the unit Swiss roll (noise 0.05), with the preconditioner on the source
/// only (the paper's description: "source:whiten", "source:flow") next to both ends (the older reproduction's), at least
/// <see cref="TransportSeeds"/> seeds.
/// Data are drawn with data seed 0 (the checkerboard with seed 1); the studies' own seeds pair every arm.
/// </summary>
public static class TwoDStudyRegimes
{
    /// <summary>Noise of the Swiss roll at which the sampler takes its base number of steps; 1/σ growth from there.</summary>
    public const double ReferenceNoise = 0.05;

    /// <summary>The fewest seeds of regime (d).</summary>
    public const int TransportSeeds = 5;

    /// <summary>RealNVP training lengths of the quality ablation: 250, 1 000, 4 000, 16 000 steps (quick: 10, 40).</summary>
    public static IReadOnlyList<int> QualitySteps(bool quick) => quick ? [10, 40] : PreconditionerQuality.DefaultSteps;

    /// <summary>The regimes of <paramref name="settings"/>, in run order.</summary>
    public static IReadOnlyList<StudyRegime> For(TwoDStudySettings settings)
    {
        settings.Validate();
        var budget = Budget.For(settings.Quick);
        var regimes = new List<StudyRegime>();
        foreach (var kappa in new[] { 1e2, 1e4 })
            regimes.Add(PositiveControl(kappa, settings.Seeds, budget));
        regimes.Add(AnisotropicMixture(settings.Seeds, budget));
        foreach (var divisor in new[] { SwissRoll.Divisor, 1.0 })
        foreach (var noise in new[] { 0.05, 0.01 })
            regimes.Add(SwissRollRegime(divisor, noise, settings.Seeds, budget));
        regimes.Add(CheckerboardToSwissRoll(Math.Max(settings.Seeds, TransportSeeds), budget));
        return regimes;
    }

    /// <summary>The three covariances of regime (b): κ = 10³, 10², 10 with long axes at 0°, 60°, 120°, largest variance 1.</summary>
    public static GaussianMixture Mixture()
    {
        double[] kappas = [1e3, 1e2, 1e1];
        double[] angles = [0, 60, 120];
        var covariances = new double[3][,];
        var means = new double[3][];
        for (int k = 0; k < 3; k++)
        {
            using var scope = NewDisposeScope();
            var values = new ElongatedGaussian(kappas[k], angles[k]).Covariance.data<double>().ToArray();
            covariances[k] = new[,] { { values[0], values[1] }, { values[2], values[3] } };
            // Centres on a circle of radius 3, further apart than the components' 1-σ lengths (1).
            var angle = 2 * Math.PI * k / 3;
            means[k] = [3 * Math.Cos(angle), 3 * Math.Sin(angle)];
        }
        return new GaussianMixture([1.0, 1.0, 1.0], means, covariances);
    }

    private static StudyRegime PositiveControl(double kappa, int seeds, Budget budget)
    {
        var points = new ElongatedGaussian(kappa).Sample(budget.Points, seed: 0);
        string exponent = kappa == 1e2 ? "1e2" : "1e4";
        string title = string.Create(CultureInfo.InvariantCulture, $"(a) positive control: elongated Gaussian, κ = {kappa:G3}");
        return new StudyRegime($"a-gaussian-kappa-{exponent}", "a", title,
            budget.Options(["whiten", "realnvp", "flow"], seeds, solverSteps: budget.SolverSteps),
            new StudyData(points, string.Create(CultureInfo.InvariantCulture, $"elongated-gaussian, κ = {kappa:G3}, {points.Count} points")),
            [
                new("whitening recovers the thin direction (spectrum_min_ratio)", "whiten", "spectrum_min_ratio"),
                new("whitening improves the affine-invariant distance (whitened SW₂)", "whiten", "whitened_sliced_wasserstein"),
                new("a learned preconditioner (RealNVP) recovers the thin direction", "realnvp", "spectrum_min_ratio"),
                new("a learned preconditioner (flow) recovers the thin direction", "flow", "spectrum_min_ratio"),
            ]);
    }

    private static StudyRegime AnisotropicMixture(int seeds, Budget budget)
    {
        var points = Mixture().Sample(budget.Points, seed: 0);
        return new StudyRegime("b-anisotropic-mixture", "b",
            "(b) labelled mixture of 3 Gaussians, per-class κ = 10³ / 10² / 10 at 0° / 60° / 120°",
            budget.Options(["whiten", "class-whiten", "realnvp"], seeds, solverSteps: budget.SolverSteps),
            new StudyData(points, $"gaussian mixture, 3 classes, per-class κ = 1000, 100, 10 at 0°, 60°, 120°, {points.Count} points"),
            [
                new("class-conditional whitening recovers every class's thin direction (spectrum_min_ratio, per class)", "class-whiten", "spectrum_min_ratio"),
                new("class-conditional whitening beats global whitening (whitened SW₂)", "class-whiten", "whitened_sliced_wasserstein", Against: "whiten"),
                new("global whitening helps a mixture whose classes point different ways (spectrum_min_ratio)", "whiten", "spectrum_min_ratio"),
                new("a label-conditional RealNVP recovers the thin directions (spectrum_min_ratio)", "realnvp", "spectrum_min_ratio"),
            ]);
    }

    private static StudyRegime SwissRollRegime(double divisor, double noise, int seeds, Budget budget)
    {
        bool unit = divisor == SwissRoll.Divisor;
        double scaledNoise = noise * SwissRoll.Divisor / divisor;
        var roll = new SwissRoll(scaledNoise, divisor);
        var points = roll.Sample(budget.Points, seed: 0);
        int solverSteps = (int)Math.Ceiling(budget.SolverSteps * ReferenceNoise / noise);
        string scale = unit ? "unit" : "raw";
        string noiseText = noise.ToString("0.00", CultureInfo.InvariantCulture);
        return new StudyRegime($"c-swiss-roll-{scale}-noise-{noiseText}", "c",
            string.Create(CultureInfo.InvariantCulture,
                $"(c) Swiss roll, {scale} scale (sklearn / {divisor:G3}), noise {noise:G2} (unit-scale units), {solverSteps} RK4 steps"),
            budget.Options(["whiten", "realnvp", "flow"], seeds, solverSteps),
            new StudyData(points, string.Create(CultureInfo.InvariantCulture,
                $"swiss-roll, scikit-learn coordinates / {divisor:G3}, noise {scaledNoise:G3} in these units, {points.Count} points"), roll),
            [
                new("RealNVP puts samples on the manifold (share beyond 3σ of the curve; Fig. 3 vs 4)", "realnvp", "curve_share_beyond_3_sigma"),
                new("RealNVP improves the distance to the data (SW₂; Table 1)", "realnvp", "sliced_wasserstein"),
                new("RealNVP keeps the data's coverage (recall)", "realnvp", "recall"),
                new("the small flow puts samples on the manifold (share beyond 3σ)", "flow", "curve_share_beyond_3_sigma"),
                new("whitening improves the distance to the data (SW₂; Table 1)", "whiten", "sliced_wasserstein"),
            ]);
    }

    private static StudyRegime CheckerboardToSwissRoll(int seeds, Budget budget)
    {
        var roll = new SwissRoll(ReferenceNoise);
        var target = roll.Sample(budget.Points, seed: 0);
        var source = new Checkerboard().Sample(budget.Points, seed: 1) with { Labels = null, NumClasses = 0 };
        var options = budget.Options(["whiten", "source:whiten", "flow", "source:flow"], seeds, budget.SolverSteps) with
        {
            // A transport study runs one rate and no compute-matched baselines (StudyData.Source).
            LearningRates = [budget.LearningRates[0]],
            ComputeMatched = false,
        };
        return new StudyRegime("d-checkerboard-to-swiss-roll", "d",
            "(d) Fig. 11: checkerboard → Swiss roll (unit scale, noise 0.05), P on the source only vs on both ends",
            options,
            new StudyData(target, $"checkerboard ({source.Count} points) → swiss-roll, unit scale, noise 0.05 ({target.Count} points)", roll, source),
            [
                new("preconditioning the source only (the paper's Fig. 11) improves the transport (SW₂)", "source:whiten", "sliced_wasserstein"),
                new("preconditioning the source only (the paper's Fig. 11) improves the transport (SW₂)", "source:flow", "sliced_wasserstein"),
                new("preconditioning both ends improves the transport (SW₂)", "whiten", "sliced_wasserstein"),
                new("preconditioning both ends improves the transport (SW₂)", "flow", "sliced_wasserstein"),
                new("a source-only flow puts more samples on the manifold than a flow at both ends (share beyond 3σ)", "source:flow", "curve_share_beyond_3_sigma", Against: "flow"),
                new("source-only whitening beats whitening at both ends (SW₂)", "source:whiten", "sliced_wasserstein", Against: "whiten"),
            ]);
    }

    /// <summary>The budget shared by every regime.</summary>
    private sealed record Budget(long Points, int Steps, int FirstEvaluation, double[] LearningRates, int Warmup, int[] Hidden,
        int BatchSize, int SolverSteps, int Samples, int MetricSamples, int Projections, bool ComputeMatched,
        PreconditionerSettings Preconditioners)
    {
        public static Budget For(bool quick) => quick
            ? new Budget(Points: 1200, Steps: 60, FirstEvaluation: 15, LearningRates: [2e-3], Warmup: 10, Hidden: [16, 16],
                BatchSize: 128, SolverSteps: 4, Samples: 200, MetricSamples: 200, Projections: 16, ComputeMatched: false,
                Preconditioners: new PreconditionerSettings(
                    RealNvp: new RealNvpOptions(Couplings: 2, Hidden: 8, Steps: 30, LogEvery: 10),
                    Flow: new FlowPreconditionerOptions(Steps: 30, Solver: "rk4", SolverSteps: 4)))
            : new Budget(Points: 10_000, Steps: 4000, FirstEvaluation: 250, LearningRates: [1e-3, 3e-3], Warmup: 100, Hidden: [64, 64],
                BatchSize: 256, SolverSteps: 50, Samples: 2000, MetricSamples: 1000, Projections: 128, ComputeMatched: true,
                Preconditioners: new PreconditionerSettings(
                    RealNvp: new RealNvpOptions(Couplings: 6, Hidden: 64, Steps: 2000),
                    Flow: new FlowPreconditionerOptions(Steps: 1000)));

        public StudyOptions Options(string[] arms, int seeds, int solverSteps) => new(
            Arms: arms, Steps: Steps, FirstEvaluation: FirstEvaluation, Seeds: seeds, LearningRates: LearningRates,
            WarmupSteps: Warmup, CosineDecay: false, Hidden: Hidden, BatchSize: BatchSize, SolverSteps: solverSteps,
            Samples: Samples, ComputeMatched: ComputeMatched, Preconditioners: Preconditioners, MetricSamples: MetricSamples,
            Projections: Projections);
    }
}
