using PrecondFlow.Data.Images;
using PrecondFlow.Devices;
using PrecondFlow.Distributed;
using PrecondFlow.Experiments.TwoD;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// <c>precondflow reproduce table2 --dataset mnist|fashion-mnist</c>: loads the images, trains (or reuses from the cache) the FID
/// classifier and the VAE and runs every arm for every seed; the reporting assembly writes the report folder.
/// </summary>
public static class Table2Reproduction
{
    /// <summary>The default cache folder for the classifier, the VAE and the latents (relative to the working directory).</summary>
    public const string DefaultCacheFolder = "precondflow-cache";

    /// <summary>Where to find the data, where to cache networks, and how much to spend.</summary>
    /// <param name="Dataset">"mnist" or "fashion-mnist".</param>
    /// <param name="SeedCount">Seeds per arm (0, 1, …), at least 2.</param>
    /// <param name="Budget">Quick, default or the paper's.</param>
    /// <param name="DataLocations">The folders searched for the data set, in order (see <see cref="ImageDatasets"/>); null: the
    /// standard installations outside any project folder (<see cref="ImageDatasets.StandardLocations"/> with no start folder).</param>
    /// <param name="CacheDir">Where trained networks and latents are kept between runs.</param>
    public sealed record Settings(string Dataset, int SeedCount = 2, ImageBudget Budget = ImageBudget.Default,
        IReadOnlyList<string>? DataLocations = null, string CacheDir = DefaultCacheFolder)
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

    /// <summary>Runs the experiment without writing a report (the network cache is read and written).</summary>
    /// <param name="communicator">The processes of a data-parallel run (default: this process alone): every process runs
    /// this with the same arguments and gets the same result; rank 0 alone writes the cache (see
    /// <see cref="ImageNetworkCache.Prepare"/> and <see cref="Table2Experiment.Run"/>).</param>
    public static ExperimentResult Run(Settings settings, Device device, IExperimentProgress? progress = null,
        Table2Options? options = null, ICommunicator? communicator = null)
    {
        settings.Validate();
        options ??= Table2Options.For(settings.Dataset, settings.Budget);
        options.Validate();
        var data = Limit(ImageDatasets.Load(settings.Dataset, settings.DataLocations ?? ImageDatasets.StandardLocations(settings.Dataset, []),
            options.SplitSeed), options);
        using var networks = ImageNetworkCache.Prepare(data, options, settings.CacheDir, device, progress, communicator);
        return Table2Experiment.Run(options, data, networks, settings.Seeds, device, progress, communicator);
    }

    /// <summary>The command line that reproduces a run.</summary>
    public static string Command(Settings settings) =>
        $"precondflow reproduce {Table2Experiment.Id} --dataset {settings.Dataset} --seeds {settings.SeedCount}" +
        settings.Budget switch { ImageBudget.Quick => " --quick", ImageBudget.Paper => " --paper", _ => "" };

    /// <summary>A seeded random subset when the options limit the number of images.</summary>
    internal static ImageDataSplit Limit(ImageDataSplit data, Table2Options options) => data with
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

    /// <summary>The runtime entry of results.json: the numerical runtime, the OpenMP thread setting, the budget, the cache
    /// and the processes of the run.</summary>
    /// <param name="info">The runtime the experiment ran on.</param>
    /// <param name="ompNumThreads">The value of OMP_NUM_THREADS the process was started with (null when unset).</param>
    /// <param name="communicator">The processes of the run (default: this process alone).</param>
    public static object Runtime(RuntimeInfo info, string? ompNumThreads, Settings settings, ICommunicator? communicator = null) =>
        Runtime(info, ompNumThreads, settings.Budget, settings.CacheDir, communicator);

    /// <summary>The runtime entry of an image experiment's results.json.</summary>
    internal static object Runtime(RuntimeInfo info, string? ompNumThreads, ImageBudget budget, string cacheDir,
        ICommunicator? communicator = null) => new
    {
        info,
        omp_num_threads = ompNumThreads,
        budget = budget.ToString().ToLowerInvariant(),
        cache = cacheDir,
        processes = (communicator ?? SingleProcess.Instance).WorldSize,
        communicator = (communicator ?? SingleProcess.Instance).Library,
    };
}
