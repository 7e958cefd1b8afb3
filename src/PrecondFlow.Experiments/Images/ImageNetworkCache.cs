using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using PrecondFlow.Data;
using PrecondFlow.Data.Images;
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
    public static ImageNetworks Prepare(ImageDataSplit data, Table2Options options, string cacheDir, Device device,
        IExperimentProgress? progress = null)
    {
        progress ??= IExperimentProgress.None;
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
            new ClassifierSettings(trainKey, testKey, options.Classifier, options.NetworkSeed), device, progress,
            trainImages, trainLabels, testImages, testLabels);
        var (vae, vaeEntry, vaeReused) = Vae(vaeFolder, new VaeSettings(trainKey, testKey, classifierKey, options.Vae, options.NetworkSeed),
            device, progress, classifier, trainImages, testImages);

        // Read back from the cache even right after writing it, so that a fresh run and a cached one use the same bytes.
        var entry = FolderManifest.Read(vaeFolder, EntryFile, "cache entry");
        var trainLatents = NpyFile.Read(entry.File(TrainLatentsFile));
        var testLatents = NpyFile.Read(entry.File(TestLatentsFile));
        var report = new ImageNetworksReport(classifierEntry.Accuracy, classifierEntry.Seconds, classifierEntry.Loss, classifierReused,
            vaeEntry.ReconstructionMse, vaeEntry.Seconds, vaeEntry.Loss, vaeReused, vaeEntry.LatentStd, classifierFolder, vaeFolder);
        return new ImageNetworks(classifier, vae, report, trainLatents, testLatents);
    }

    private static (DigitClassifier, ClassifierEntry, bool) Classifier(string folder, ClassifierSettings settings, Device device,
        IExperimentProgress progress, Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels)
    {
        if (Complete(folder))
        {
            var cached = ReadEntry(folder, ClassifierKind, settings).State<ClassifierEntry>();
            return (Moved(ImageNetworkFile.LoadClassifier(Path.Combine(folder, NetworkFolder)), device), cached, true);
        }

        var stage = progress.AddStage("FID classifier", 1);
        var trained = ClassifierTraining.Train(trainImages, trainLabels, settings.Classifier, settings.NetworkSeed,
            new StageRelay(stage, "train"));
        stage.Report((1, "testing"));
        double accuracy = ClassifierTraining.Accuracy(trained.Classifier, testImages, testLabels);
        var entry = new ClassifierEntry(accuracy, trained.Seconds, trained.LossTrace);
        AtomicFile.WriteFolder(folder, staging =>
        {
            ImageNetworkFile.Save(Path.Combine(staging, NetworkFolder), trained.Classifier);
            FolderManifest.Write(staging, EntryFile, ClassifierKind, settings, entry, fileNames: []);
        });
        stage.Report((1, $"test accuracy {accuracy:P2}"));
        return (trained.Classifier, entry, false);
    }

    private static (ConvVae, VaeEntry, bool) Vae(string folder, VaeSettings settings, Device device, IExperimentProgress progress,
        DigitClassifier classifier, Tensor trainImages, Tensor testImages)
    {
        if (Complete(folder))
        {
            var cached = ReadEntry(folder, VaeKind, settings).State<VaeEntry>();
            return (Moved(ImageNetworkFile.LoadVae(Path.Combine(folder, NetworkFolder)), device), cached, true);
        }

        var stage = progress.AddStage("VAE", 1);
        var trained = VaeTraining.Train(trainImages, classifier, settings.Vae, settings.NetworkSeed, new StageRelay(stage, "train"));
        stage.Report((1, "encoding"));
        double mse = VaeTraining.ReconstructionError(trained.Vae, testImages);
        using var trainLatents = VaeTraining.EncodeMeans(trained.Vae, trainImages).cpu();
        using var testLatents = VaeTraining.EncodeMeans(trained.Vae, testImages).cpu();
        double latentStd;
        using (var std = trainLatents.std(0))
            latentStd = std.mean().item<float>();
        var entry = new VaeEntry(mse, trained.Seconds, trained.LossTrace.Select(p => new LossPoint(p.Step, p.Total)).ToArray(), latentStd);
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
