using System.Diagnostics;
using System.Globalization;
using PrecondFlow.Data.Toy;
using PrecondFlow.Diagnostics;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Metrics;
using PrecondFlow.Paths;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Reporting;
using PrecondFlow.Sampling;
using PrecondFlow.Theory;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// The paper's Fig. 2: flow matching from N(0, I) to an elongated Gaussian (κ = 100), without preconditioning and with
/// affine whitening. Tracks the training loss and the error of the learned velocity field against the exact one
/// (<see cref="GaussianTransport"/>) over training, κ(Cov x_t) of both problems, and the samples.
/// </summary>
public static class ElongatedGaussianExperiment
{
    public const string Id = "fig2";

    /// <summary>The arms, baseline first.</summary>
    public static IReadOnlyList<string> Arms { get; } = ["none", "whiten"];

    /// <summary>Times at which the field error is probed.</summary>
    public static IReadOnlyList<double> ProbeTimes { get; } = [0.1, 0.3, 0.5, 0.7, 0.9];

    public static readonly MetricInfo FieldError = new("field_error",
        "relative field error",
        "RMS error of the final learned velocity against the exact velocity of the regression the arm's main flow solves " +
        "(v* = m + (z − t·m)·A_t, A_t from GaussianTransport), mapped to the original coordinates (dx/dt = Σ̂^½ dz/dt after " +
        "whitening), divided by the RMS of the exact velocity A_t x of the unpreconditioned problem (one scale for both arms); " +
        $"over probe points at t = {string.Join(", ", ProbeTimes)}");

    public static readonly MetricInfo FieldErrorAtHalf = new("field_error_at_half",
        "field error at half of training", "the same relative field error after half of the optimizer steps");

    public static readonly MetricInfo SlicedWasserstein2 = new("sw2_samples",
        "samples SW₂", "sliced Wasserstein-2 distance between samples (mapped back to x) and held-out data (256 directions)");

    public static readonly MetricInfo Mmd = new("mmd_samples",
        "samples MMD²", "unbiased MMD² between samples and held-out data (Gaussian kernels at ¼–4× the median distance)", RatioScale: false);

    public static readonly MetricInfo FinalLoss = new("final_loss",
        "final loss", "flow-matching loss over the last logging window; not comparable between arms (each regresses its own target)");

    public static IReadOnlyList<MetricInfo> Metrics { get; } = [FieldError, FieldErrorAtHalf, SlicedWasserstein2, Mmd, FinalLoss];

    private static string Label(string arm) => arm == "none" ? "no preconditioning" : "whitening";

    /// <summary>Runs both arms for every seed.</summary>
    public static ExperimentResult Run(ElongatedGaussianOptions options, IReadOnlyList<long> seeds, Device device,
        IExperimentProgress? progress = null)
    {
        options.Validate();
        if (seeds.Count < 1)
            throw new ArgumentException("Give at least one seed.", nameof(seeds));
        progress ??= IExperimentProgress.None;
        var clock = Stopwatch.StartNew();
        var dataset = new ElongatedGaussian(options.Kappa, options.AngleDegrees, options.MaxVariance);
        var (arms, pictures) = ArmRuns.Run<Pictures>(progress, Id, Arms, seeds, _ => (0, options.MainFlow.Steps),
            (arm, seed, bar, keep) =>
            {
                var (run, picture) = RunSeed(arm, seed, dataset, options, device, bar, keep);
                return (run, picture, 0);
            },
            Label,
            arm => arm == "none"
                ? "the main flow is trained directly from N(0, I) to the data"
                : "the data are whitened, z = Σ̂^(−½)(x − μ̂), the main flow is trained from N(0, I) to the law of z, and samples are mapped back by x = Σ̂^½ z + μ̂");
        var floor = NoiseFloors.Measure(seeds, seed => (
                dataset.Sample(options.TestCount, SeedOffsets.SecondSample(seed)).Points,
                dataset.Sample(options.TestCount, SeedOffsets.HeldOut(seed)).Points),
            SlicedWasserstein2.Key, Mmd.Key);
        return new ExperimentResult(Id, "Fig. 2 — an elongated Gaussian, with and without whitening",
            "none", Metrics, arms, Figures(arms, pictures, dataset, options), options, Configuration(options), seeds,
            clock.Elapsed.TotalSeconds, floor);
    }

    private sealed record Pictures(Series HeldOut, Series Samples, ConditioningProfile Kappa);

    private static (SeedRun Run, Pictures? Pictures) RunSeed(string arm, long seed, ElongatedGaussian dataset,
        ElongatedGaussianOptions options, Device device, ArmProgress bar, bool keepPictures)
    {
        using var scope = NewDisposeScope();
        var budget = options.MainFlow;
        var spec = budget.Spec();
        var train = dataset.Sample(options.TrainCount, SeedOffsets.Data(seed));
        var heldOut = dataset.Sample(options.TestCount, SeedOffsets.HeldOut(seed));

        var clock = Stopwatch.StartNew();
        using var preconditioner = PreconditionerFactory.Create(arm, 2, 0);
        preconditioner.Fit(train, seed);
        double fitSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var transformed = PreconditionedModel.Transform(preconditioner, train);
        double transformSeconds = clock.Elapsed.TotalSeconds;

        using var mean = dataset.Mean;
        using var covariance = dataset.Covariance;
        using var probe = new FieldErrorProbe(mean, covariance, preconditioner, ProbeTimes, options.ProbeCount, SeedOffsets.Probe(seed));
        var field = MainFlow.Create(spec, seed, device);
        using var trainer = new FlowTrainer(field, spec, budget.Training(seed));
        var errors = new List<CurvePoint>();
        double evaluationSeconds = 0;
        trainer.Train(transformed, progress: bar.Training(), callback: step =>
        {
            if (step % options.EvaluateEvery != 0 && step != budget.Steps)
                return;
            long start = Stopwatch.GetTimestamp();
            errors.Add(new CurvePoint(step, probe.Measure(trainer.Field, spec).Relative));
            evaluationSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
        });
        var times = new PipelineTimes(fitSeconds, transformSeconds, trainer.Seconds - evaluationSeconds);

        bar.Status("measuring", afterTraining: true);
        clock.Restart();
        var final = probe.Measure(trainer.SamplingField, spec);
        var model = new GenerativeModel(trainer.SamplingField, spec);
        var inner = Sampler.Sample(model, options.TestCount, budget.Sampling(), SeedOffsets.Sampling(seed), device);
        var samples = preconditioner.Inverse(inner.Points).cpu();
        var metrics = new Dictionary<string, double>
        {
            [FieldError.Key] = final.Relative,
            [FieldErrorAtHalf.Key] = CurvePoint.HalfAndEnd(errors).Half.Value,
            [SlicedWasserstein2.Key] = SlicedWasserstein.Compute(samples, heldOut.Points, order: 2, seed: seed),
            [Mmd.Key] = MaximumMeanDiscrepancy.Compute(samples, heldOut.Points, seed).Value,
            [FinalLoss.Key] = trainer.LossTrace[^1].Loss,
        };
        for (int i = 0; i < ProbeTimes.Count; i++)
            metrics[string.Create(CultureInfo.InvariantCulture, $"field_rms_error_t{ProbeTimes[i]:0.0#}")] = final.RmsPerTime[i];
        Pictures? pictures = keepPictures
            ? new Pictures(PointSeries.FromPoints("held-out data", heldOut.Points, 2000), PointSeries.FromPoints("samples", samples, 2000),
                ConditioningAnalysis.Exact(transformed.Points, AffinePath.FromName(spec.Path), KappaTimes))
            : null;
        evaluationSeconds += clock.Elapsed.TotalSeconds;
        var curves = new Dictionary<string, IReadOnlyList<CurvePoint>> { [FieldError.Key] = errors };
        return (new SeedRun(seed, metrics, times, evaluationSeconds, trainer.LossTrace.ToArray(), curves), pictures);
    }

    private static readonly double[] KappaTimes = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();

    private static IReadOnlyList<Figure> Figures(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, Pictures> pictures,
        ElongatedGaussian dataset, ElongatedGaussianOptions options)
    {
        var figures = new List<Figure>
        {
            Plots.LossFigure(arms, "Training loss of the main flow (mean over seeds). Each arm regresses its own target, so the " +
                "levels are not comparable between arms; the shape (plateaus, late progress) is."),
            Plots.CurveFigure("field-error.png", arms, FieldError.Key, "Relative error of the learned field against the exact field",
                "relative error (log scale)",
                "Relative error of the learned velocity field against the exact one, in the original coordinates, during training " +
                "(mean over seeds; log scale)."),
        };
        var theory = GaussianTransport.WithSpectrum([options.MaxVariance / options.Kappa, options.MaxVariance]).ConditionNumbers(KappaTimes);
        var kappa = arms.Select(a => new Series($"{a.Label} (training data, seed {a.Runs[0].Seed})",
            pictures[a.Name].Kappa.Times, pictures[a.Name].Kappa.Kappa)).Append(new Series("exact, eq. 15", KappaTimes, theory)).ToArray();
        figures.Add(new LineFigure("kappa.png",
            "Condition number κ(Cov x_t) of the points the main flow regresses on, over t, measured on the training data of the " +
            "first seed, with the exact curve of eq. 15 (the unpreconditioned curve lies on it). Without preconditioning κ grows to " +
            $"κ(Σ) = {options.Kappa:G3} at t = 1; after whitening it stays near 1.",
            "Condition number of Cov(x_t)", "t", "κ(Cov x_t) (log scale)", kappa, LogY: true));
        foreach (var arm in arms)
        {
            var p = pictures[arm.Name];
            figures.Add(new ScatterFigure($"samples-{arm.Name}.png",
                $"Samples of the model with {arm.Label} (seed {arm.Runs[0].Seed}) over held-out data.",
                $"{dataset.Name}: {arm.Label}", [p.HeldOut, p.Samples]));
        }
        return figures;
    }

    private static object Configuration(ElongatedGaussianOptions options) => new
    {
        experiment = Id,
        data = new { dataset = "elongated-gaussian", options.Kappa, angle_degrees = options.AngleDegrees, max_variance = options.MaxVariance },
        options,
        main_flow = Plots.MainFlowConfiguration(options.MainFlow),
        probe_times = ProbeTimes,
        arms = Arms,
    };
}
