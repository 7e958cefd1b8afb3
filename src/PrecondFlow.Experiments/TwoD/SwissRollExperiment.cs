using System.Diagnostics;
using PrecondFlow.Data.Toy;
using PrecondFlow.Diagnostics;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Metrics;
using PrecondFlow.Paths;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Reporting;
using PrecondFlow.Sampling;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// The paper's Table 1 with Fig. 3–5: the Swiss roll learned by the two-stage method (<see cref="PreconditionedModel"/>)
/// with no preconditioner, RealNVP, the 172-parameter flow-matching preconditioner and affine whitening, compared by
/// sliced Wasserstein-2 distance and MMD in both directions (Gaussian → data and data → Gaussian).
/// </summary>
public static class SwissRollExperiment
{
    public const string Id = "table1";

    /// <summary>The arms, baseline first.</summary>
    public static IReadOnlyList<string> Arms { get; } = ["none", "realnvp", "flow", "whiten"];

    public static readonly MetricInfo SwGaussianToData = new("sw2_gaussian_to_data", "Gaussian → data SW₂",
        "sliced Wasserstein-2 distance (256 random directions) between samples x = P⁻¹(F(z)), z ~ N(0, I), and held-out data; " +
        "it squares distances, so a few far-off samples can dominate it");

    public static readonly MetricInfo OffData = new("off_data_share", "off-data share",
        "share of samples farther than the neighbour radius r from every held-out point (r = 0.1 by default, twice the noise): " +
        "samples that do not lie on the spiral");

    public static readonly MetricInfo Missed = new("missed_data_share", "missed-data share",
        "share of held-out points farther than r from every sample: parts of the spiral the model does not reach");

    public static readonly MetricInfo SwDataToGaussian = new("sw2_data_to_gaussian", "data → Gaussian SW₂",
        "sliced Wasserstein-2 distance between held-out data pushed through the inverse of the whole model " +
        "(P, then the main flow backwards from t = 1 to 0) and fresh N(0, I) samples");

    public static readonly MetricInfo MmdGaussianToData = new("mmd_gaussian_to_data", "Gaussian → data MMD²",
        "unbiased MMD² between samples and held-out data (Gaussian kernels at ¼–4× the median distance; can be slightly negative)",
        RatioScale: false);

    public static readonly MetricInfo MmdDataToGaussian = new("mmd_data_to_gaussian", "data → Gaussian MMD²",
        "unbiased MMD² between the inverted held-out data and N(0, I) samples", RatioScale: false);

    public static readonly MetricInfo PushforwardKappa = new("kappa_pushforward", "κ(Cov P(x))",
        "condition number of the covariance of P(x) for held-out data: what the main flow's regression sees at t = 1 (1 is isotropic)");

    public static IReadOnlyList<MetricInfo> Metrics { get; } =
        [SwGaussianToData, OffData, Missed, SwDataToGaussian, MmdGaussianToData, MmdDataToGaussian, PushforwardKappa];

    private static string Label(string arm) => arm switch
    {
        "none" => "no preconditioning",
        "realnvp" => "RealNVP",
        "flow" => "the flow-matching preconditioner",
        "whiten" => "whitening",
        _ => arm,
    };

    private static string Description(string arm, SwissRollOptions options) => arm switch
    {
        "none" => "standard flow matching from N(0, I) to the data (the paper's Fig. 3)",
        "realnvp" => $"a RealNVP normalizing flow (6 affine couplings, MLPs 2×{options.RealNvpHidden} ReLU, random permutations) trained by " +
            $"maximum likelihood for {options.RealNvpSteps} steps is P; the main flow learns N(0, I) → P(x) (the paper's Fig. 4)",
        "flow" => $"a 172-parameter velocity field (MLP 3 → 10 → 10 → 2, tanh) trained by flow matching for {options.FlowPreconditionerSteps} steps " +
            "and stopped early; P(x) integrates the data back to t = 0 with dopri5 (the paper's Fig. 5)",
        "whiten" => "affine whitening z = Σ̂^(−½)(x − μ̂) (not in the paper's table; the Swiss roll's covariance is nearly isotropic already)",
        _ => arm,
    };

    private static PreconditionerSettings Settings(SwissRollOptions options) => new(
        RealNvp: new RealNvpOptions(Hidden: options.RealNvpHidden, Steps: options.RealNvpSteps),
        Flow: new FlowPreconditionerOptions(Steps: options.FlowPreconditionerSteps));

    private static int FitSteps(string arm, SwissRollOptions options) => arm switch
    {
        "realnvp" => options.RealNvpSteps,
        "flow" => options.FlowPreconditionerSteps,
        _ => 0,
    };

    /// <summary>Runs every arm for every seed.</summary>
    public static ExperimentResult Run(SwissRollOptions options, IReadOnlyList<long> seeds, Device device, IExperimentProgress? progress = null)
    {
        options.Validate();
        if (seeds.Count < 1)
            throw new ArgumentException("Give at least one seed.", nameof(seeds));
        progress ??= IExperimentProgress.None;
        var clock = Stopwatch.StartNew();
        var dataset = new SwissRoll(options.Noise);
        var (arms, pictures) = ArmRuns.Run<Pictures>(progress, Id, Arms, seeds, arm => (FitSteps(arm, options), options.MainFlow.Steps),
            (arm, seed, bar, keep) => RunSeed(arm, seed, dataset, options, device, bar, keep),
            Label, arm => Description(arm, options));
        var floor = NoiseFloors.Measure(seeds, seed => (
                dataset.Sample(options.TestCount, SeedOffsets.SecondSample(seed)).Points,
                dataset.Sample(options.TestCount, SeedOffsets.HeldOut(seed)).Points),
            SwGaussianToData.Key, MmdGaussianToData.Key, (OffData.Key, Missed.Key, options.NeighbourRadius));
        foreach (var (key, values) in NoiseFloors.Measure(seeds, seed => (
                     GaussianReference.Draw(options.TestCount, 2, SeedOffsets.SecondSample(seed, 1)),
                     GaussianReference.Draw(options.TestCount, 2, SeedOffsets.Reference(seed))),
                     SwDataToGaussian.Key, MmdDataToGaussian.Key))
            floor[key] = values;
        return new ExperimentResult(Id, "Table 1 and Fig. 3–5 — the Swiss roll with and without preconditioners",
            "none", Metrics, arms, Figures(arms, pictures), options, Configuration(options), seeds, clock.Elapsed.TotalSeconds, floor);
    }

    private sealed record Pictures(Series HeldOut, Series Samples, Series Pushforward, Series Reference, Series SecondStage,
        IReadOnlyList<(double[] X, double[] Y)> FlowLines, ConditioningProfile Kappa);

    private static (SeedRun Run, Pictures? Pictures, long Parameters) RunSeed(string arm, long seed, SwissRoll dataset,
        SwissRollOptions options, Device device, ArmProgress bar, bool keepPictures)
    {
        using var scope = NewDisposeScope();
        var budget = options.MainFlow;
        var spec = budget.Spec();
        var train = dataset.Sample(options.TrainCount, SeedOffsets.Data(seed));
        var heldOut = dataset.Sample(options.TestCount, SeedOffsets.HeldOut(seed));
        var preconditioner = PreconditionerFactory.Create(arm, 2, 0, Settings(options));
        long parameters = preconditioner switch
        {
            RealNvp r => r.ParameterCount,
            FlowPreconditioner f => f.ParameterCount,
            _ => 0,
        };
        var field = MainFlow.Create(spec, seed, device);
        using var model = PreconditionedModel.Train(train, preconditioner, field, spec, budget.Training(seed),
            bar.Fitting(), bar.Training());

        bar.Status("measuring", afterTraining: true);
        var clock = Stopwatch.StartNew();
        var sampling = budget.Sampling();
        var samples = model.Sample(options.TestCount, sampling, SeedOffsets.Sampling(seed), device).Points.cpu();
        var pushforward = PreconditionedModel.Transform(model.Preconditioner, heldOut).Points;
        // Data → Gaussian: the main flow run backwards from P(x), which is needed on its own for κ and the pictures.
        var latent = Sampler.Encode(model.Model, pushforward, sampling).Points.cpu();
        var reference = GaussianReference.Draw(options.TestCount, 2, SeedOffsets.Reference(seed));
        var metrics = new Dictionary<string, double>
        {
            [SwGaussianToData.Key] = SlicedWasserstein.Compute(samples, heldOut.Points, order: 2, seed: seed),
            [OffData.Key] = NearestNeighbours.ShareFartherThan(samples, heldOut.Points, options.NeighbourRadius),
            [Missed.Key] = NearestNeighbours.ShareFartherThan(heldOut.Points, samples, options.NeighbourRadius),
            [SwDataToGaussian.Key] = SlicedWasserstein.Compute(latent, reference, order: 2, seed: seed),
            [MmdGaussianToData.Key] = MaximumMeanDiscrepancy.Compute(samples, heldOut.Points, seed).Value,
            [MmdDataToGaussian.Key] = MaximumMeanDiscrepancy.Compute(latent, reference, seed).Value,
            [PushforwardKappa.Key] = MainFlow.ConditionNumber(pushforward),
            ["final_loss"] = model.Trainer!.LossTrace[^1].Loss,
        };
        Pictures? pictures = null;
        if (keepPictures)
        {
            var lines = model.Sample(300, budget.Sampling(keepTrajectory: true), SeedOffsets.Sampling(seed), device);
            pictures = new Pictures(
                PointSeries.FromPoints("held-out data", heldOut.Points, 2000),
                PointSeries.FromPoints("samples", samples, 2000),
                PointSeries.FromPoints("P(x), held-out data", pushforward, 2000),
                PointSeries.FromPoints("N(0, I)", reference, 2000),
                PointSeries.FromPoints("main-flow samples F(z)",
                    Sampler.Sample(model.Model, options.TestCount, sampling, SeedOffsets.Sampling(seed), device).Points, 2000),
                PointSeries.Trajectories(lines.Trajectory!, 300),
                ConditioningAnalysis.Exact(pushforward, AffinePath.FromName(spec.Path), KappaTimes));
        }
        var times = model.Times;
        var trace = model.Trainer.LossTrace.ToArray();
        var run = new SeedRun(seed, metrics, times, clock.Elapsed.TotalSeconds, trace, new Dictionary<string, IReadOnlyList<CurvePoint>>());
        return (run, pictures, parameters);
    }

    private static readonly double[] KappaTimes = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();

    private static IReadOnlyList<Figure> Figures(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, Pictures> pictures)
    {
        var figures = new List<Figure>
        {
            Plots.LossFigure(arms, "Training loss of the main flow (mean over seeds). Each arm regresses towards a different " +
                "distribution (x or P(x)), so the levels are not comparable between arms."),
        };
        var kappa = arms.Select(a => new Series(a.Label, pictures[a.Name].Kappa.Times, pictures[a.Name].Kappa.Kappa)).ToArray();
        figures.Add(new LineFigure("kappa.png",
            "Condition number κ(Cov x_t) of the main flow's regression over t, for each arm's training target (x or P(x); held-out " +
            "data of the first seed).",
            "Condition number of Cov(x_t)", "t", "κ(Cov x_t) (log scale)", kappa, LogY: true));
        foreach (var arm in arms)
        {
            var p = pictures[arm.Name];
            long seed = arm.Runs[0].Seed;
            if (arm.Name != "none")
            {
                figures.Add(new ScatterFigure($"pushforward-{arm.Name}.png",
                    $"**{arm.Label}** (a): the pushforward P(x) of held-out data, over N(0, I) samples (seed {seed}).",
                    $"Pushforward P(x): {arm.Label}", [p.Reference, p.Pushforward], XLabel: "z₁", YLabel: "z₂"));
                figures.Add(new ScatterFigure($"second-stage-{arm.Name}.png",
                    $"**{arm.Label}** (b): the second-stage (main) flow's samples F(z), z ~ N(0, I), over P(x) of held-out data.",
                    $"Second-stage flow: {arm.Label}", [p.Pushforward, p.SecondStage], XLabel: "z₁", YLabel: "z₂"));
            }
            figures.Add(new ScatterFigure($"samples-{arm.Name}.png",
                $"**{arm.Label}** (c): samples pulled back to the data space, x = P⁻¹(F(z)), over held-out data.",
                $"Samples: {arm.Label}", [p.HeldOut, p.Samples]));
            figures.Add(new FlowLinesFigure($"flow-lines-{arm.Name}.png",
                $"**{arm.Label}** (d): flow lines of 300 samples in the data space, P⁻¹ applied to every state of the main flow.",
                $"Flow lines: {arm.Label}", p.FlowLines));
        }
        return figures;
    }

    private static object Configuration(SwissRollOptions options) => new
    {
        experiment = Id,
        data = new { dataset = "swiss-roll", noise = options.Noise },
        options,
        main_flow = Plots.MainFlowConfiguration(options.MainFlow),
        preconditioners = Settings(options),
        arms = Arms,
    };
}
