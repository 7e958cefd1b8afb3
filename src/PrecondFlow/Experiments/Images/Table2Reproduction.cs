using PrecondFlow.Data.Images;
using PrecondFlow.Devices;
using PrecondFlow.Experiments.TwoD;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// <c>precondflow reproduce table2 --dataset mnist|fashion-mnist</c>: loads the images, trains (or reuses from the cache) the FID
/// classifier and the VAE, runs every arm for every seed and writes the report folder atomically.
/// </summary>
public static class Table2Reproduction
{
    /// <summary>The default cache folder for the classifier, the VAE and the latents (relative to the working directory).</summary>
    public const string DefaultCacheFolder = "precondflow-cache";

    /// <summary>Where to find the data, where to cache networks, and how much to spend.</summary>
    /// <param name="Dataset">"mnist" or "fashion-mnist".</param>
    /// <param name="SeedCount">Seeds per arm (0, 1, …), at least 2.</param>
    /// <param name="Budget">Quick, default or the paper's.</param>
    /// <param name="DataDir">Where the data set is (null: the standard places, see <see cref="ImageDatasets"/>).</param>
    /// <param name="CacheDir">Where trained networks and latents are kept between runs.</param>
    public sealed record Settings(string Dataset, int SeedCount = 2, ImageBudget Budget = ImageBudget.Default, string? DataDir = null,
        string CacheDir = DefaultCacheFolder)
    {
        public IReadOnlyList<long> Seeds => Enumerable.Range(0, SeedCount).Select(i => (long)i).ToArray();

        public void Validate()
        {
            ImageDatasets.CheckName(Dataset);
            if (SeedCount < 2)
                throw new ArgumentOutOfRangeException(nameof(SeedCount), SeedCount,
                    $"Use at least 2 seeds so that the spread between seeds can be reported; got {SeedCount}.");
        }
    }

    /// <summary>Runs the experiment and writes <paramref name="folder"/> (results.json, report.md, PNG figures).</summary>
    public static ExperimentResult RunAndWrite(Settings settings, Device device, string folder, IExperimentProgress? progress = null,
        Table2Options? options = null)
    {
        settings.Validate();
        options ??= Table2Options.For(settings.Dataset, settings.Budget);
        options.Validate();
        var data = Limit(ImageDatasets.Load(settings.Dataset, settings.DataDir, options.SplitSeed), options);
        using var networks = ImageNetworkCache.Prepare(data, options, settings.CacheDir, device, progress);
        var result = Table2Experiment.Run(options, data, networks, settings.Seeds, device, progress);
        ExperimentReport.Write(folder, result, Command(settings), Runtime(device, settings));
        return result;
    }

    /// <summary>The command line that reproduces a run.</summary>
    public static string Command(Settings settings) =>
        $"precondflow reproduce {Table2Experiment.Id} --dataset {settings.Dataset} --seeds {settings.SeedCount}" +
        settings.Budget switch { ImageBudget.Quick => " --quick", ImageBudget.Paper => " --paper", _ => "" };

    /// <summary>A seeded random subset when the options limit the number of images.</summary>
    private static ImageDataSplit Limit(ImageDataSplit data, Table2Options options) => data with
    {
        Train = Subset(data.Train, options.TrainLimit, options.SplitSeed),
        Test = Subset(data.Test, options.TestLimit, options.SplitSeed + 1),
    };

    private static ImageData Subset(ImageData images, int? limit, int seed)
    {
        if (limit is not { } n || n >= images.Count)
            return images;
        var order = Enumerable.Range(0, images.Count).ToArray();
        new Random(seed).Shuffle(order);
        return images.Subset(order.Take(n).Order().ToArray());
    }

    private static object Runtime(Device device, Settings settings) => new
    {
        info = RuntimeInfo.Collect(device),
        omp_num_threads = Environment.GetEnvironmentVariable("OMP_NUM_THREADS"),
        budget = settings.Budget.ToString().ToLowerInvariant(),
        cache = settings.CacheDir,
    };
}
