using System.Diagnostics;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Metrics;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Reporting;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// The paper's Fig. 11 (App. G.1): a flow that transports one data set to another — the checkerboard to the Swiss roll —
/// trained with the independent coupling, without and with preconditioning. A preconditioned arm fits one map of its kind
/// to each data set, P_s for the source and P_t for the target, trains the main flow from P_s(source) to P_t(target), and
/// transports a source point x by P_t⁻¹(F(P_s(x))). MMD² to held-out target data is measured during training.
/// </summary>
public static class CheckerboardToSwissRollExperiment
{
    public const string Id = "fig11";

    /// <summary>The arms, baseline first.</summary>
    public static IReadOnlyList<string> Arms { get; } = ["none", "whiten", "flow"];

    public static readonly MetricInfo Mmd = new("mmd", "final MMD²",
        "unbiased MMD² between transported held-out source points and held-out Swiss-roll points (Gaussian kernels at ¼–4× " +
        "the median distance; can be slightly negative)", RatioScale: false);

    public static readonly MetricInfo SlicedWasserstein2 = new("sw2", "final SW₂",
        "sliced Wasserstein-2 distance between transported held-out source points and held-out Swiss-roll points");

    public static readonly MetricInfo OffData = new("off_data_share", "off-data share",
        "share of transported points farther than the neighbour radius r from every held-out Swiss-roll point (r = 0.1 by " +
        "default, twice the noise): points that do not land on the spiral");

    public static readonly MetricInfo Missed = new("missed_data_share", "missed-data share",
        "share of held-out Swiss-roll points farther than r from every transported point: parts of the spiral not reached");

    public static readonly MetricInfo MmdAtHalf = new("mmd_at_half", "MMD² at half of training",
        "the MMD² curve's value (fixed evaluation subsample) after half of the optimizer steps", RatioScale: false);

    public static readonly MetricInfo MmdAtEnd = new("mmd_at_end", "MMD² at the end (curve)",
        "the MMD² curve's last value, on the same fixed evaluation subsample", RatioScale: false);

    public static IReadOnlyList<MetricInfo> Metrics { get; } = [Mmd, SlicedWasserstein2, OffData, Missed, MmdAtHalf, MmdAtEnd];

    private static string Label(string arm) => arm switch
    {
        "none" => "no preconditioning",
        "whiten" => "whitening",
        "flow" => "flow preconditioning",
        _ => arm,
    };

    private static string Description(string arm, CheckerboardToSwissRollOptions options) => arm switch
    {
        "none" => "the main flow is trained directly from the checkerboard to the Swiss roll",
        "whiten" => "each data set is whitened by its own affine map; the main flow is trained between the whitened sets and its " +
            "output is mapped back by the target's inverse whitening",
        "flow" => $"each data set gets its own 172-parameter flow-matching preconditioner ({options.FlowPreconditionerSteps} steps, " +
            "stopped early) that carries it roughly to N(0, I); the main flow is trained between the two pushforwards and its " +
            "output is pulled back by the target's preconditioner",
        _ => arm,
    };

    private static PreconditionerSettings Settings(CheckerboardToSwissRollOptions options) => new(
        Flow: new FlowPreconditionerOptions(Steps: options.FlowPreconditionerSteps));

    private static int FitSteps(string arm, CheckerboardToSwissRollOptions options) => arm == "flow" ? options.FlowPreconditionerSteps : 0;

    /// <summary>Runs every arm for every seed.</summary>
    public static ExperimentResult Run(CheckerboardToSwissRollOptions options, IReadOnlyList<long> seeds, Device device,
        IExperimentProgress? progress = null)
    {
        options.Validate();
        if (seeds.Count < 1)
            throw new ArgumentException("Give at least one seed.", nameof(seeds));
        progress ??= IExperimentProgress.None;
        var clock = Stopwatch.StartNew();
        // Two preconditioners are fitted per seed (one for the source, one for the target).
        var (arms, pictures) = ArmRuns.Run<Pictures>(progress, Id, Arms, seeds, arm => (2 * FitSteps(arm, options), options.MainFlow.Steps),
            (arm, seed, bar, keep) => RunSeed(arm, seed, options, device, bar, FitSteps(arm, options), keep),
            Label, arm => Description(arm, options));
        var swissRoll = new SwissRoll(options.Noise);
        var floor = NoiseFloors.Measure(seeds, seed => (
                swissRoll.Sample(options.TestCount, SeedOffsets.SecondSample(seed, 1)).Points,
                swissRoll.Sample(options.TestCount, SeedOffsets.HeldOut(seed, 1)).Points),
            SlicedWasserstein2.Key, Mmd.Key, (OffData.Key, Missed.Key, options.NeighbourRadius));
        return new ExperimentResult(Id, "Fig. 11 — transport from the checkerboard to the Swiss roll, with and without preconditioning",
            "none", Metrics, arms, Figures(arms, pictures), options, Configuration(options), seeds, clock.Elapsed.TotalSeconds, floor);
    }

    private sealed record Pictures(Series Source, Series Target, Series Transported, IReadOnlyList<(double[] X, double[] Y)> FlowLines);

    private static (SeedRun Run, Pictures? Pictures, long Parameters) RunSeed(string arm, long seed,
        CheckerboardToSwissRollOptions options, Device device, ArmProgress bar, int fitSteps, bool keepPictures)
    {
        using var scope = NewDisposeScope();
        var budget = options.MainFlow;
        var spec = budget.Spec();
        var checkerboard = new Checkerboard();
        var swissRoll = new SwissRoll(options.Noise);
        var source = Unlabelled(checkerboard.Sample(options.TrainCount, SeedOffsets.Data(seed, 0)));
        var target = swissRoll.Sample(options.TrainCount, SeedOffsets.Data(seed, 1));
        var heldOutSource = Unlabelled(checkerboard.Sample(options.TestCount, SeedOffsets.HeldOut(seed, 0)));
        var heldOutTarget = swissRoll.Sample(options.TestCount, SeedOffsets.HeldOut(seed, 1));

        // The main flow's initial weights first: fitting a flow preconditioner reseeds libtorch's global generator.
        var field = MainFlow.Create(spec, seed, device);
        var sampling = budget.Sampling();
        var curve = new List<CurvePoint>();
        double duringTraining = 0;
        Tensor? heldOutStart = null;   // S(held-out source points), mapped once, when S is fitted
        using var transport = TwoSidedTransport.Train(source, target,
            PreconditionerFactory.Create(arm, 2, 0, Settings(options)), PreconditionerFactory.Create(arm, 2, 0, Settings(options)),
            field, spec, budget.Training(seed), bar.Fitting(0), bar.Fitting(fitSteps), bar.Training(), (t, step) =>
            {
                if (step % options.EvaluateEvery != 0 && step != budget.Steps)
                    return;
                long start = Stopwatch.GetTimestamp();
                heldOutStart ??= PreconditionedModel.Transform(t.SourceMap, heldOutSource).Points;
                using var perEvaluation = NewDisposeScope();
                var transported = t.TransportMapped(heldOutStart.slice(0, 0, options.EvaluationCount, 1), sampling).Points.cpu();
                var evaluationTarget = heldOutTarget.Points.slice(0, 0, options.EvaluationCount, 1);
                curve.Add(new CurvePoint(step, MaximumMeanDiscrepancy.Compute(transported, evaluationTarget, seed, options.EvaluationCount).Value));
                duringTraining += Stopwatch.GetElapsedTime(start).TotalSeconds;
            });
        var times = transport.Times with { MainFlowSeconds = transport.Times.MainFlowSeconds - duringTraining };
        double evaluationSeconds = duringTraining;

        bar.Status("measuring", afterTraining: true);
        var clock = Stopwatch.StartNew();
        heldOutStart ??= PreconditionedModel.Transform(transport.SourceMap, heldOutSource).Points;
        var final = transport.TransportMapped(heldOutStart, sampling).Points.cpu();
        var (half, end) = CurvePoint.HalfAndEnd(curve);
        var trace = transport.Trainer.LossTrace;
        var metrics = new Dictionary<string, double>
        {
            [Mmd.Key] = MaximumMeanDiscrepancy.Compute(final, heldOutTarget.Points, seed).Value,
            [SlicedWasserstein2.Key] = SlicedWasserstein.Compute(final, heldOutTarget.Points, order: 2, seed: seed),
            [OffData.Key] = NearestNeighbours.ShareFartherThan(final, heldOutTarget.Points, options.NeighbourRadius),
            [Missed.Key] = NearestNeighbours.ShareFartherThan(heldOutTarget.Points, final, options.NeighbourRadius),
            [MmdAtHalf.Key] = half.Value,
            [MmdAtEnd.Key] = end.Value,
            ["final_loss"] = trace[^1].Loss,
        };
        Pictures? pictures = null;
        if (keepPictures)
        {
            // Flow lines of the main flow alone, in the preconditioned coordinates.
            var lines = Sampler.SampleFrom(transport.Model, heldOutStart.slice(0, 0, 300, 1), budget.Sampling(keepTrajectory: true));
            pictures = new Pictures(
                PointSeries.FromPoints("checkerboard (source)", heldOutSource.Points, 2000),
                PointSeries.FromPoints("Swiss roll (target), held-out", heldOutTarget.Points, 2000),
                PointSeries.FromPoints("transported source points", final, 2000),
                PointSeries.Trajectories(lines.Trajectory!, 300));
        }
        evaluationSeconds += clock.Elapsed.TotalSeconds;
        long parameters = transport.SourceMap is FlowPreconditioner ? transport.SourceMap.ParameterCount + transport.TargetMap.ParameterCount : 0;
        var curves = new Dictionary<string, IReadOnlyList<CurvePoint>> { [Mmd.Key] = curve };
        return (new SeedRun(seed, metrics, times, evaluationSeconds, trace.ToArray(), curves), pictures, parameters);
    }

    private static PointCloud Unlabelled(PointCloud data) => data with { Labels = null, NumClasses = 0 };

    private static IReadOnlyList<Figure> Figures(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, Pictures> pictures)
    {
        var first = pictures[arms[0].Name];
        var figures = new List<Figure>
        {
            new ScatterFigure("data.png", "The source (checkerboard) and the target (Swiss roll), held-out points of the first seed.",
                "Source and target", [first.Source, first.Target]),
            Plots.CurveFigure("mmd.png", arms, Mmd.Key, "MMD² to the Swiss roll during training", "MMD² (log scale)",
                "MMD² between transported evaluation points and held-out Swiss-roll points during training (mean over seeds; log " +
                "scale, so values at or below zero are not drawn)."),
            Plots.LossFigure(arms, "Training loss of the main flow (mean over seeds); arms regress between different pairs of " +
                "distributions, so the levels are not comparable."),
        };
        foreach (var arm in arms)
        {
            var p = pictures[arm.Name];
            figures.Add(new ScatterFigure($"transported-{arm.Name}.png",
                $"**{arm.Label}**: held-out checkerboard points transported to the Swiss roll, over held-out Swiss-roll points (seed {arm.Runs[0].Seed}).",
                $"Transported: {arm.Label}", [p.Target, p.Transported]));
            string space = arm.Name == "none" ? "in the data coordinates" : "in the preconditioned coordinates, between P_s(source) and P_t(target)";
            figures.Add(new FlowLinesFigure($"flow-lines-{arm.Name}.png",
                $"**{arm.Label}**: flow lines of the main flow for 300 source points, {space}.",
                $"Flow lines: {arm.Label}", p.FlowLines));
        }
        return figures;
    }

    private static object Configuration(CheckerboardToSwissRollOptions options) => new
    {
        experiment = Id,
        data = new { source = "checkerboard (labels ignored)", target = "swiss-roll", noise = options.Noise },
        options,
        main_flow = Plots.MainFlowConfiguration(options.MainFlow),
        preconditioners = Settings(options),
        arms = Arms,
    };
}
