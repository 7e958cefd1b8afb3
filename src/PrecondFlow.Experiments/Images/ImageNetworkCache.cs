using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using PrecondFlow.Distributed;
using PrecondFlow.Experiments.Images.Internal;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Images;
using PrecondFlow.IO;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// Trains the FID classifier and the VAE of a latent-image experiment, or reuses them from a cache folder, and caches the
/// latents of the images. An entry is keyed by a hash of everything that determines it (the images, the labels, the options,
/// the seed), so a changed setting trains afresh instead of silently reusing a stale network:
/// <c>cache/&lt;dataset&gt;/classifier-&lt;key&gt;/</c> holds the classifier in <c>network/</c> and <c>entry.json</c>;
/// <c>cache/&lt;dataset&gt;/vae-&lt;key&gt;/</c> the VAE in <c>network/</c>, <c>latents-train.npy</c>, <c>latents-test.npy</c>
/// and <c>entry.json</c>. Each <c>entry.json</c> is a <see cref="FolderManifest"/> (what the entry was made from as
/// settings, what training measured as state, the SHA-256 of the latents), and each network folder has its own, so a
/// damaged entry fails with the name of the damaged file. Every entry is written atomically: an interrupted run leaves no
/// half-written entry.
/// </summary>
public static class ImageNetworkCache
{
    /// <summary>Bump when what an entry holds changes: old entries are then ignored. Version 2: entry.json with checksums
    /// instead of training.json.</summary>
    public const int FormatVersion = 2;

    public const string ClassifierKind = "table2-classifier";
    public const string VaeKind = "table2-vae";

    private const string NetworkFolder = "network";
    private const string EntryFile = "entry.json";
    private const string TrainLatentsFile = "latents-train.npy";
    private const string TestLatentsFile = "latents-test.npy";

    private sealed record ClassifierEntry(double Accuracy, double Seconds, IReadOnlyList<LossPoint> Loss);

    private sealed record VaeEntry(double ReconstructionMse, double Seconds, IReadOnlyList<LossPoint> Loss, double LatentStd);

    /// <summary>What a classifier entry was made from (the SHA-256 of the images, the options, the seed).</summary>
    private sealed record ClassifierSettings(string TrainImages, string TestImages, ClassifierOptions Classifier, long NetworkSeed);

    /// <summary>What a VAE entry was made from; <paramref name="Classifier"/> is the key of the classifier it used.</summary>
    private sealed record VaeSettings(string TrainImages, string TestImages, string Classifier, VaeOptions Vae, long NetworkSeed);

    /// <summary>Trains (or reuses) the classifier and the VAE for <paramref name="data"/> and encodes its images.</summary>
    /// <param name="communicator">The processes of a data-parallel run (default: this process alone). They train both
    /// networks data-parallel and encode their shares of the images; rank 0 alone decides whether an entry is complete, reads
    /// and writes the cache, and hands what it read (weights, measurements, latents) to the others, whose cache folder may be
    /// on another disk.</param>
    public static ImageNetworks Prepare(ImageDataSplit data, Table2Options options, string cacheDir, Device device,
        IExperimentProgress? progress = null, ICommunicator? communicator = null)
    {
        progress ??= IExperimentProgress.None;
        var run = new Preparation(communicator ?? SingleProcess.Instance, device, progress);
        string trainKey = Fingerprint(data.Train), testKey = Fingerprint(data.Test);
        string classifierKey = Key("classifier", trainKey, testKey, options.Classifier, options.NetworkSeed);
        string vaeKey = Key("vae", trainKey, testKey, classifierKey, options.Vae, options.NetworkSeed);
        var root = Path.Combine(cacheDir, data.Name);
        var classifierFolder = Path.Combine(root, $"classifier-{classifierKey}");
        var vaeFolder = Path.Combine(root, $"vae-{vaeKey}");

        using var trainImages = data.Train.ImagesTensor(device);
        using var trainLabels = data.Train.LabelsTensor(device);
        using var testImages = data.Test.ImagesTensor(device);
        using var testLabels = data.Test.LabelsTensor(device);

        var (classifier, classifierEntry, classifierReused) = Classifier(classifierFolder,
            new ClassifierSettings(trainKey, testKey, options.Classifier, options.NetworkSeed), run,
            trainImages, trainLabels, testImages, testLabels);
        var (vae, vaeEntry, vaeReused) = Vae(vaeFolder, new VaeSettings(trainKey, testKey, classifierKey, options.Vae, options.NetworkSeed),
            run, classifier, trainImages, testImages);

        // Read back from the cache even right after writing it, so that a fresh run and a cached one use the same bytes;
        // rank 0 reads, and every other process receives those bytes.
        Tensor? trainLatents = null, testLatents = null;
        if (run.Writes)
        {
            var entry = FolderManifest.Read(vaeFolder, EntryFile, "cache entry");
            trainLatents = NpyFile.Read(entry.File(TrainLatentsFile));
            testLatents = NpyFile.Read(entry.File(TestLatentsFile));
        }
        trainLatents = RootBroadcast.Tensor(run.Communicator, trainLatents);
        testLatents = RootBroadcast.Tensor(run.Communicator, testLatents);
        var report = new ImageNetworksReport(classifierEntry.Accuracy, classifierEntry.Seconds, classifierEntry.Loss, classifierReused,
            vaeEntry.ReconstructionMse, vaeEntry.Seconds, vaeEntry.Loss, vaeReused, vaeEntry.LatentStd, classifierFolder, vaeFolder);
        return new ImageNetworks(classifier, vae, report, trainLatents, testLatents);
    }

    /// <summary>Where the networks are made: the processes, which of them writes, the device, the progress display.</summary>
    private sealed record Preparation(ICommunicator Communicator, Device Device, IExperimentProgress Progress)
    {
        public bool Writes => Communicator.Rank == 0;

        public DataParallel? Parallel { get; } = Communicator.WorldSize > 1 ? new DataParallel(Communicator) : null;

        public Shards Shards { get; } = new(Communicator);

        /// <summary>Whether <paramref name="folder"/> holds a complete entry, as rank 0 sees it, on every process: every
        /// process then takes the same branch (one that trained while the others loaded would leave them waiting).</summary>
        public bool Cached(string folder) => RootBroadcast.Flag(Communicator, Writes && Complete(folder));

        /// <summary>Rank 0's <paramref name="value"/> on every process (one process: the value itself).</summary>
        public T FromRoot<T>(T? value) where T : class => Communicator.WorldSize == 1
            ? value!
            : Json.Deserialize<T>(RootBroadcast.Text(Communicator, value is null ? null : Json.Serialize(value)));

        /// <summary>A cached network and what its training measured, on every process: rank 0 reads the entry, the others
        /// build the same architecture and receive its weights and measurements.</summary>
        public (TNetwork, TEntry, bool) Reused<TNetwork, TEntry>(string folder, string kind, object settings,
            Func<string, TNetwork> load, Func<TNetwork> build)
            where TNetwork : TorchSharp.torch.nn.Module where TEntry : class
        {
            var cached = FromRoot(Writes ? ReadEntry(folder, kind, settings).State<TEntry>() : null);
            var network = Writes ? load(Path.Combine(folder, NetworkFolder)) : build();
            RootBroadcast.Module(Communicator, network);
            return (Moved(network, Device), cached, true);
        }
    }

    private static (DigitClassifier, ClassifierEntry, bool) Classifier(string folder, ClassifierSettings settings, Preparation run,
        Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels)
    {
        if (run.Cached(folder))
            return run.Reused<DigitClassifier, ClassifierEntry>(folder, ClassifierKind, settings, ImageNetworkFile.LoadClassifier,
                () => new DigitClassifier(settings.Classifier));

        var stage = run.Progress.AddStage("FID classifier", 1);
        var trained = ClassifierTraining.Train(trainImages, trainLabels, settings.Classifier, settings.NetworkSeed,
            new StageRelay(stage, "train"), run.Parallel);
        stage.Report((1, "testing"));
        // Data-parallel processes hold the same weights, bit for bit (the training loop compares them), so each measures alike.
        double accuracy = ClassifierTraining.Accuracy(trained.Classifier, testImages, testLabels);
        var entry = new ClassifierEntry(accuracy, trained.Seconds, trained.LossTrace);
        if (run.Writes)
            AtomicFile.WriteFolder(folder, staging =>
            {
                ImageNetworkFile.Save(Path.Combine(staging, NetworkFolder), trained.Classifier);
                FolderManifest.Write(staging, EntryFile, ClassifierKind, settings, entry, fileNames: []);
            });
        stage.Report((1, $"test accuracy {accuracy:P2}"));
        return (trained.Classifier, entry, false);
    }

    private static (ConvVae, VaeEntry, bool) Vae(string folder, VaeSettings settings, Preparation run, DigitClassifier classifier,
        Tensor trainImages, Tensor testImages)
    {
        if (run.Cached(folder))
            return run.Reused<ConvVae, VaeEntry>(folder, VaeKind, settings, ImageNetworkFile.LoadVae, () => new ConvVae(settings.Vae));

        var stage = run.Progress.AddStage("VAE", 1);
        var trained = VaeTraining.Train(trainImages, classifier, settings.Vae, settings.NetworkSeed, new StageRelay(stage, "train"),
            run.Parallel);
        stage.Report((1, "encoding"));
        double mse = VaeTraining.ReconstructionError(trained.Vae, testImages);
        // Each process encodes its share of the images; the latents are gathered whole on every process.
        using var trainLatents = run.Shards.Map(trainImages, x => VaeTraining.EncodeMeans(trained.Vae, x)).cpu();
        using var testLatents = run.Shards.Map(testImages, x => VaeTraining.EncodeMeans(trained.Vae, x)).cpu();
        double latentStd;
        using (var std = trainLatents.std(0))
            latentStd = std.mean().item<float>();
        var entry = new VaeEntry(mse, trained.Seconds, trained.LossTrace.Select(p => new LossPoint(p.Step, p.Total)).ToArray(), latentStd);
        if (run.Writes)
            AtomicFile.WriteFolder(folder, staging =>
            {
                ImageNetworkFile.Save(Path.Combine(staging, NetworkFolder), trained.Vae);
                NpyFile.Write(Path.Combine(staging, TrainLatentsFile), trainLatents);
                NpyFile.Write(Path.Combine(staging, TestLatentsFile), testLatents);
                FolderManifest.Write(staging, EntryFile, VaeKind, settings, entry, [TrainLatentsFile, TestLatentsFile]);
            });
        stage.Report((1, $"reconstruction MSE {mse:G3}"));
        return (trained.Vae, entry, false);
    }

    private static T Moved<T>(T network, Device device) where T : TorchSharp.torch.nn.Module
    {
        network.to(device);
        network.eval();
        return network;
    }

    /// <summary>An entry is used only when it was written to the end (its manifest is written last, then the folder moved).</summary>
    private static bool Complete(string folder) => File.Exists(Path.Combine(folder, EntryFile));

    /// <summary>The checked manifest of a complete entry (its latents' checksums included).</summary>
    private static FolderManifest ReadEntry(string folder, string kind, object settings)
    {
        var entry = FolderManifest.Read(folder, EntryFile, "cache entry");
        entry.RequireKind(kind);
        entry.RequireSettings(settings);
        return entry;
    }

    /// <summary>SHA-256 of an image set's pixels, labels and shape.</summary>
    private static string Fingerprint(ImageData images)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(images.Count));
        hash.AppendData(BitConverter.GetBytes(images.Height));
        hash.AppendData(BitConverter.GetBytes(images.Width));
        hash.AppendData(MemoryMarshal.AsBytes(images.Pixels.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(images.Labels.AsSpan()));
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static string Key(params object[] parts)
    {
        var text = Json.Serialize(new { format = FormatVersion, parts });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();
    }

    /// <summary>Shows a network's training steps on a progress stage of one unit.</summary>
    private sealed class StageRelay(IProgress<(double Done, string Status)> stage, string what) : IProgress<(int Step, int TotalSteps, double Loss)>
    {
        public void Report((int Step, int TotalSteps, double Loss) value) =>
            stage.Report(((double)value.Step / Math.Max(1, value.TotalSteps),
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{what} {value.Loss:G3}")));
    }
}
