using System.Diagnostics;
using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using PrecondFlow.Diagnostics;
using PrecondFlow.Distributed;
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
    /// <param name="communicator">The processes of a data-parallel run (default: this process alone). They train every
    /// preconditioner and main flow data-parallel, and each samples, decodes and classifies its share of the samples (and of
    /// the held-out images); the shares are gathered in rank order, so that every metric is computed from the same tensors
    /// on every process. Every process holds the same networks (<see cref="ImageNetworkCache.Prepare"/>).</param>
    public static ExperimentResult Run(Table2Options options, ImageDataSplit data, ImageNetworks networks, IReadOnlyList<long> seeds,
        Device device, IExperimentProgress? progress = null, ICommunicator? communicator = null)
    {
        options.Validate();
        if (seeds.Count < 1)
            throw new ArgumentException("Give at least one seed.", nameof(seeds));
        progress ??= IExperimentProgress.None;
        communicator ??= SingleProcess.Instance;
        var shards = new Shards(communicator);
        var parallel = communicator.WorldSize > 1 ? new DataParallel(communicator) : null;
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
            HalvingSeed(s), shards));
        try
        {
            var (arms, pictures) = ArmRuns.Run<ArmPictures>(progress, Id, Arms, seeds,
                arm => (FitSteps(arm, flow, train.Count), flow.Training(train.Count, 0).Steps),
                (arm, seed, bar, keep) => RunSeed(arm, seed, options, train, halves[seed], networks, device, bar, keep, shards, parallel),
                Label, arm => Description(arm, flow, train.Count));
            var floor = new Dictionary<string, IReadOnlyList<double>>
            {
                [Fid.Key] = seeds.Select(s => FrechetDistance.Compute(halves[s].FeaturesA, halves[s].FeaturesB)).ToArray(),
                [ClassError.Key] = seeds.Select(s => ErrorRate(shards, networks.Classifier, halves[s].ImagesB, halves[s].LabelsB)).ToArray(),
                [LatentFd.Key] = seeds.Select(s => FrechetDistance.Compute(halves[s].LatentsA, halves[s].LatentsB)).ToArray(),
            };
            var references = References(networks, halves[seeds[0]], shards);
            var reconstructions = Reconstructions(networks.Vae, data.Test, device);
            var setup = new Table2Setup(options, data.Name, data.Train.Count, data.Test.Count, networks.TrainLatents.shape[1],
                train.Count, halves[seeds[0]].Count, networks.Report.ClassifierAccuracy);
            return new ExperimentResult(Id,
                $"Table 2 and Fig. 7, 12 — class-conditional flows in a VAE latent space ({setup.DatasetTitle})",
                "none", Metrics, arms, Figures(arms, pictures, networks, reconstructions, data), setup,
                Configuration(options, data, networks), seeds, clock.Elapsed.TotalSeconds, floor, references);
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

    /// <summary>The share of <paramref name="images"/> the classifier does not assign to <paramref name="labels"/>, each
    /// process classifying its rows.</summary>
    private static double ErrorRate(Shards shards, DigitClassifier classifier, Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return ImageBatches.ErrorRate(shards.Map(images, x => ImageBatches.Predict(classifier, x)), labels);
    }

    private static (SeedRun Run, ArmPictures? Pictures, long Parameters) RunSeed(string arm, long seed, Table2Options options,
        PointCloud train, HeldOutHalves halves, ImageNetworks networks, Device device, ArmProgress bar, bool keepPictures,
        Shards shards, DataParallel? parallel)
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
            bar.Fitting(), bar.Training(), parallel: parallel);

        bar.Status("sampling", afterTraining: true);
        var clock = Stopwatch.StartNew();
        var sampling = flow.Sampling();
        // Each process samples its rows of the base noise drawn whole (a fixed-step solver: then the rows are those of one
        // process), decodes and classifies them; the latents, features and predicted classes are gathered in rank order.
        var rows = sampling.RowsAreIndependent ? shards.RowsOf(halves.Count) : null;
        var mine = model.Sample(halves.Count, sampling, SamplingSeed(seed), device, Shards.Mine(halves.LabelsB, rows), rows).Points;
        var images = ImageBatches.Decode(networks.Vae, mine);
        bar.Status("measuring", afterTraining: true);
        var latents = shards.Gather(mine, rows);
        var features = shards.Gather(FrechetDistance.ExtractFeatures(networks.Classifier, images), rows);
        var predicted = shards.Gather(ImageBatches.Predict(networks.Classifier, images), rows);
        var pushforward = model.TrainingTarget!.Points;
        var metrics = new Dictionary<string, double>
        {
            [Fid.Key] = FrechetDistance.Compute(features, halves.FeaturesB),
            [ClassError.Key] = ImageBatches.ErrorRate(predicted, halves.LabelsB),
            [LatentFd.Key] = FrechetDistance.Compute(latents, halves.LatentsB),
            [PushforwardKappa.Key] = MainFlow.ConditionNumber(pushforward),
            ["final_loss"] = model.Trainer!.LossTrace[^1].Loss,
        };
        var pictures = keepPictures
            ? ArmPictures.Draw(model, train.NumClasses, options.GridColumns, sampling, SamplingSeed(seed) + 1, device,
                z => ImageBatches.Decode(networks.Vae, z), pushforward, spec.Path)
            : null;
        var run = new SeedRun(seed, metrics, model.Times, clock.Elapsed.TotalSeconds, model.Trainer.LossTrace.ToArray(),
            new Dictionary<string, IReadOnlyList<CurvePoint>>());
        return (run, pictures, parameters);
    }

    private static IReadOnlyList<ReferenceValue> References(ImageNetworks networks, HeldOutHalves halves, Shards shards)
    {
        using var scope = NewDisposeScope();
        var reconstructed = shards.Map(halves.LatentsA,
            z => FrechetDistance.ExtractFeatures(networks.Classifier, ImageBatches.Decode(networks.Vae, z)));
        double reconstructionFid = FrechetDistance.Compute(reconstructed, halves.FeaturesB);
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

    private static IReadOnlyList<Figure> Figures(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, ArmPictures> pictures,
        ImageNetworks networks, ReconstructionPictures reconstructions, ImageDataSplit data)
    {
        int height = data.Train.Height, width = data.Train.Width;
        var figures = ArmPictures.Figures(arms, pictures, data.Train,
            "Condition number κ(Cov x_t) of the main flow's regression over t (x_t = α_t P(x) + σ_t ε on the sine–cosine path; " +
            "training latents, first seed), for each arm: the paper's Fig. 12.").ToList();
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
