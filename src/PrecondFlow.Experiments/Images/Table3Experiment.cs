using System.Diagnostics;
using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using PrecondFlow.Diagnostics;
using PrecondFlow.Experiments.Images.Internal;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Fields;
using PrecondFlow.Images;
using PrecondFlow.Metrics;
using PrecondFlow.Paths;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Reporting;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// The paper's Table 3 on the data at hand: a class-conditional UNet flow in the spatial latent of a VAE (or in pixel space),
/// trained without a preconditioner, with the flow-matching preconditioner (the same UNet, at most a third of the main flow's
/// epochs, followed by the matching-point operator) and with class-conditional whitening; compared by FID, precision and recall
/// in the features of a classifier trained here, and by that classifier's accuracy on the conditional samples.
/// </summary>
public static class Table3Experiment
{
    public const string Id = "table3";

    /// <summary>The arms, baseline first.</summary>
    public static IReadOnlyList<string> Arms { get; } = ["none", "flow", "class-whiten"];

    public static readonly MetricInfo Fid = new("fid", "FID",
        "Fréchet distance between the classifier's penultimate-layer features of the samples and of held-out images (half B of the " +
        "held-out set, as many samples as B has images, generated with B's labels)");

    public static readonly MetricInfo Precision = new("precision", "precision",
        "share of the samples that lie inside the k-nearest-neighbour balls (k = 3) of half B's features: how many samples look real", HigherIsBetter: true);

    public static readonly MetricInfo Recall = new("recall", "recall",
        "share of half B's images that lie inside the k-nearest-neighbour balls of the samples' features: how much of the data the " +
        "samples cover", HigherIsBetter: true);

    public static readonly MetricInfo Accuracy = new("accuracy", "accuracy",
        "share of the samples the classifier assigns to the class they were generated for", HigherIsBetter: true);

    public static readonly MetricInfo PushforwardKappa = new("kappa_pushforward", "κ(Cov P(x))",
        "condition number of the covariance of the training points after the preconditioner, P(x): what the main flow regresses on " +
        "at t = 1 (1 is isotropic)");

    public static IReadOnlyList<MetricInfo> Metrics { get; } = [Fid, Precision, Recall, Accuracy, PushforwardKappa];

    private static string Label(string arm) => arm switch
    {
        "none" => "no preconditioning",
        "flow" => "flow-matching preconditioner",
        "class-whiten" => "class-conditional whitening",
        _ => arm,
    };

    /// <summary>Runs every arm for every seed on <paramref name="data"/> with the shared <paramref name="networks"/>.</summary>
    public static ExperimentResult Run(Table3Options options, ImageDataSplit data, ImageNetworks networks, IReadOnlyList<long> seeds,
        Device device, IExperimentProgress? progress = null)
    {
        options.Validate();
        if (seeds.Count < 1)
            throw new ArgumentException("Give at least one seed.", nameof(seeds));
        progress ??= IExperimentProgress.None;
        var clock = Stopwatch.StartNew();
        var space = new FlowSpace(options, networks, data.Train.Height, data.Train.Width);
        using var testImages = data.Test.ImagesTensor(device);
        using var testLabels = data.Test.LabelsTensor(device);
        using var trainLabels = data.Train.LabelsTensor(device);
        using var trainPoints = space.Points(data.Train, networks.TrainLatents, device);
        using var testPoints = space.Points(data.Test, networks.TestLatents, device);
        int classes = data.Train.ClassNames.Count;
        var train = new PointCloud(trainPoints, trainLabels, classes) { ImageShape = space.Shape };
        var flow = options.Flow;

        var halves = seeds.ToDictionary(s => s, s => new HeldOutHalves(testImages, testLabels, testPoints, networks.Classifier, 7_000_003 + s));
        try
        {
            var (arms, pictures) = ArmRuns.Run<ArmPictures>(progress, Id, Arms, seeds,
                arm => (arm == "flow" ? flow.Preconditioner(space.Shape, classes, train.Count).Steps : 0, flow.Training(train.Count, 0).Steps),
                (arm, seed, bar, keep) => RunSeed(arm, seed, options, space, train, halves[seed], networks, device, bar, keep),
                Label, arm => Description(arm, options, space, train.Count));
            var floor = new Dictionary<string, IReadOnlyList<double>>
            {
                [Fid.Key] = seeds.Select(s => FrechetDistance.Compute(halves[s].FeaturesA, halves[s].FeaturesB)).ToArray(),
                [Precision.Key] = seeds.Select(s => PrecisionRecall.Compute(halves[s].FeaturesB, halves[s].FeaturesA).Precision).ToArray(),
                [Recall.Key] = seeds.Select(s => PrecisionRecall.Compute(halves[s].FeaturesB, halves[s].FeaturesA).Recall).ToArray(),
                [Accuracy.Key] = seeds.Select(s => 1 - ImageBatches.ErrorRate(networks.Classifier, halves[s].ImagesB, halves[s].LabelsB)).ToArray(),
            };
            long unetParameters;
            using (var generator = new TorchSharp.torch.Generator(0))
            using (var unet = VectorFields.Create(flow.Field(space.Shape, classes), generator))
                unetParameters = VectorFields.ParameterCount(unet);
            var setup = new Table3Setup(options, data.Train.Count, data.Test.Count, space.Shape, halves[seeds[0]].Count,
                networks.Report.ClassifierAccuracy, unetParameters);
            return new ExperimentResult(Id,
                $"Table 3 — class-conditional UNet flows {(options.InLatent ? "in a VAE's spatial latent" : "in pixel space")} ({setup.DatasetTitle})",
                "none", Metrics, arms, Figures(arms, pictures, data, space), setup, Configuration(options, data, networks, space, train.Count),
                seeds, clock.Elapsed.TotalSeconds, floor, References(networks, halves[seeds[0]], space));
        }
        finally
        {
            foreach (var h in halves.Values)
                h.Dispose();
        }
    }

    private static string Description(string arm, Table3Options options, FlowSpace space, long count)
    {
        var flow = options.Flow;
        return arm switch
        {
            "none" => $"class-conditional flow matching from N(0, I) to the {space.Name}",
            "flow" => $"P is a class-conditional flow-matching UNet identical to the main flow's, trained for {flow.PreconditionerFraction:P0} " +
                $"of its epochs ({flow.Steps(flow.Epochs * flow.PreconditionerFraction, count)} steps) and stopped early, integrated with RK4 in " +
                $"{flow.PreconditionerSolverSteps} steps, followed by the matching-point operator: one mean and scale per channel, so that " +
                "what the main flow regresses on has the scale of its N(0, I) base",
            "class-whiten" => $"per class k, z = Σ_k^(−½)(x − μ_k) in closed form, covariances shrunk by γ = {flow.WhiteningShrinkage} " +
                "(not in the paper's Table 3: the linear preconditioner of its App. D.2)",
            _ => arm,
        };
    }

    private static IFittablePreconditioner Preconditioner(string arm, Table3Options options, FlowSpace space, PointCloud train) => arm switch
    {
        "none" => new IdentityPreconditioner(train.Dim),
        "class-whiten" => new ClassConditionalWhitening(train.Dim, train.NumClasses, options.Flow.WhiteningShrinkage),
        _ => throw new ArgumentException($"Unknown arm '{arm}'.", nameof(arm)),
    };

    /// <summary>Points of P(x) the matching-point operator's moments are fitted on: 2 048 points hold about 130 000 values per
    /// channel of a 4×8×8 latent (2 048 independent images), so the fitted scales are within a few percent of the whole set's, at a
    /// fifth of a pass over 10 000.</summary>
    private const int MatchingSample = 2048;

    /// <summary>
    /// The flow arm's P: the UNet flow preconditioner trained (with its invertibility check), then the matching-point operator
    /// fitted on P of a seeded subsample, then both as one chain. As one <see cref="PreconditionerChain.Fit"/> it would push every
    /// training point through the UNet's ODE twice (once to fit the operator, once to train the main flow); the whole fit is
    /// timed and charged all the same.
    /// </summary>
    private static (PreconditionerChain Chain, PreconditionerFitReport Fit) FitFlowPreconditioner(Table3Options options, FlowSpace space,
        PointCloud train, long seed, ArmProgress bar)
    {
        var clock = Stopwatch.StartNew();
        var flow = new FlowPreconditioner(train.Dim, options.Flow.Preconditioner(space.Shape, train.NumClasses, train.Count), train.NumClasses);
        var flowFit = flow.Fit(train, seed, bar.Fitting());
        if (!flowFit.Passed)
        {
            flow.Dispose();
            throw new InvalidOperationException(
                $"The UNet flow preconditioner failed its invertibility check (max relative round-trip error {flowFit.Invertibility?.MaxRelativeError:G3}).");
        }
        var matching = new ChannelStandardization(train.Dim, space.Shape[0]);
        using (var scope = NewDisposeScope())
        {
            using var generator = new TorchSharp.torch.Generator(unchecked((ulong)(seed + 11)));
            var rows = randperm(train.Count, generator: generator).slice(0, 0, Math.Min(train.Count, MatchingSample), 1).to(train.Points.device);
            var sample = new PointCloud(train.Points.index_select(0, rows), train.Labels!.index_select(0, rows), train.NumClasses);
            matching.Fit(PreconditionedModel.Transform(flow, sample));
        }
        var fit = flowFit with { Seconds = clock.Elapsed.TotalSeconds };
        return (new PreconditionerChain(flow, matching), fit);
    }

    private static (SeedRun Run, ArmPictures? Pictures, long Parameters) RunSeed(string arm, long seed, Table3Options options, FlowSpace space,
        PointCloud train, HeldOutHalves halves, ImageNetworks networks, Device device, ArmProgress bar, bool keepPictures)
    {
        using var scope = NewDisposeScope();
        var flow = options.Flow;
        var spec = flow.Spec(space.Shape, train.NumClasses);
        var field = MainFlow.Create(spec, seed, device);
        IPreconditioner preconditioner;
        PreconditionedModel model;
        if (arm == "flow")
        {
            var (matched, fit) = FitFlowPreconditioner(options, space, train, seed, bar);
            preconditioner = matched;
            model = PreconditionedModel.TrainOnFitted(train, matched, field, spec, flow.Training(train.Count, seed), fit, bar.Training());
        }
        else
        {
            var fittable = Preconditioner(arm, options, space, train);
            preconditioner = fittable;
            model = PreconditionedModel.Train(train, fittable, field, spec, flow.Training(train.Count, seed), bar.Fitting(), bar.Training());
        }
        using var _ = model;
        long parameters = preconditioner is PreconditionerChain chain ? chain.Members.OfType<FlowPreconditioner>().Sum(f => f.ParameterCount) : 0;

        bar.Status("sampling", afterTraining: true);
        var clock = Stopwatch.StartNew();
        var sampling = flow.Sampling();
        var points = model.Sample(halves.Count, sampling, 3_000_017 + seed, device, halves.LabelsB).Points;
        var images = space.Decode(points);
        bar.Status("measuring", afterTraining: true);
        var features = FrechetDistance.ExtractFeatures(networks.Classifier, images);
        var precisionRecall = PrecisionRecall.Compute(halves.FeaturesB, features);
        var pushforward = model.TrainingTarget!.Points;
        var metrics = new Dictionary<string, double>
        {
            [Fid.Key] = FrechetDistance.Compute(features, halves.FeaturesB),
            [Precision.Key] = precisionRecall.Precision,
            [Recall.Key] = precisionRecall.Recall,
            [Accuracy.Key] = 1 - ImageBatches.ErrorRate(networks.Classifier, images, halves.LabelsB),
            [PushforwardKappa.Key] = MainFlow.ConditionNumber(pushforward),
            ["final_loss"] = model.Trainer!.LossTrace[^1].Loss,
        };
        if (preconditioner is PreconditionerChain { Members: [FlowPreconditioner, ChannelStandardization matching] })
        {
            // What the matching-point operator corrected: the per-channel scale and mean of the early-stopped flow's output.
            var scales = matching.Scale.data<double>().ToArray();
            var means = matching.Mean.data<double>().ToArray();
            metrics["matching_scale_min"] = scales.Min();
            metrics["matching_scale_max"] = scales.Max();
            metrics["matching_mean_abs_max"] = means.Max(Math.Abs);
        }
        var pictures = keepPictures
            ? ArmPictures.Draw(model, train.NumClasses, options.GridColumns, sampling, 3_000_018 + seed, device, space.Decode, pushforward, spec.Path)
            : null;
        var run = new SeedRun(seed, metrics, model.Times, clock.Elapsed.TotalSeconds, model.Trainer.LossTrace.ToArray(),
            new Dictionary<string, IReadOnlyList<CurvePoint>>());
        return (run, pictures, parameters);
    }

    private static IReadOnlyList<ReferenceValue> References(ImageNetworks networks, HeldOutHalves halves, FlowSpace space)
    {
        using var scope = NewDisposeScope();
        var report = networks.Report;
        var references = new List<ReferenceValue>
        {
            new("classifier_test_accuracy", "FID classifier: test accuracy", report.ClassifierAccuracy,
                "share of all held-out images the FID classifier labels correctly"),
        };
        if (space.InLatent)
        {
            var reconstructed = space.Decode(halves.LatentsA);
            references.Add(new("fid_vae_reconstructions", "FID of VAE reconstructions",
                FrechetDistance.Compute(FrechetDistance.ExtractFeatures(networks.Classifier, reconstructed), halves.FeaturesB),
                "FID of the reconstructions of held-out half A against half B: the best a flow in this latent space can score"));
            references.Add(new("vae_reconstruction_mse", "VAE: reconstruction MSE per pixel", report.ReconstructionMse,
                "mean squared error per pixel (pixels in [0, 1]) of Decode(mean of q(z|x)) on all held-out images"));
            references.Add(new("vae_seconds", "VAE: training seconds", report.VaeSeconds,
                report.VaeReused ? "seconds of its training when it was first trained (reused from the cache in this run)" : "seconds of its training"));
        }
        return references;
    }

    private static IReadOnlyList<Figure> Figures(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, ArmPictures> pictures,
        ImageDataSplit data, FlowSpace space) =>
        ArmPictures.Figures(arms, pictures, data.Train,
            $"Condition number κ(Cov x_t) of the main flow's regression over t (x_t = α_t P(x) + σ_t ε; training {space.Name}, first " +
            "seed), for each arm.").ToArray();

    private static object Configuration(Table3Options options, ImageDataSplit data, ImageNetworks networks, FlowSpace space, long count) => new
    {
        experiment = Id,
        data = new
        {
            dataset = data.Name,
            source = data.Source,
            train_images = data.Train.Count,
            test_images = data.Test.Count,
            classes = data.Train.ClassNames,
        },
        options,
        space = space.Name,
        shape = space.Shape,
        networks = networks.Report,
        main_flow_steps = options.Flow.Training(count, 0).Steps,
        preconditioner_steps = options.Flow.Preconditioner(space.Shape, data.Train.ClassNames.Count, count).Steps,
        arms = Arms,
    };
}
