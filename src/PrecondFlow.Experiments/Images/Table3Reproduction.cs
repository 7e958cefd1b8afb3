using PrecondFlow.Data.Images;
using PrecondFlow.Experiments.TwoD;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// <c>precondflow reproduce table3 --dataset mnist|fashion-mnist [--space latent|pixels]</c>: loads the images, trains (or reuses
/// from the cache) the FID classifier and the spatial VAE, and runs every arm for every seed; the reporting assembly writes the
/// report folder.
/// </summary>
public static class Table3Reproduction
{
    /// <summary>Where to find the data, where to cache networks, and how much to spend.</summary>
    /// <param name="Dataset">"mnist" or "fashion-mnist".</param>
    /// <param name="Space">"latent" or "pixels".</param>
    /// <param name="SeedCount">Seeds per arm (0, 1, …), at least 2.</param>
    /// <param name="Budget">Quick, default or the paper's.</param>
    /// <param name="DataLocations">The folders searched for the data set, in order; null: the standard installations.</param>
    /// <param name="CacheDir">Where trained networks and latents are kept between runs (shared with table2).</param>
    public sealed record Settings(string Dataset, string Space = "latent", int SeedCount = 2, ImageBudget Budget = ImageBudget.Default,
        IReadOnlyList<string>? DataLocations = null, string CacheDir = Table2Reproduction.DefaultCacheFolder)
    {
        public IReadOnlyList<long> Seeds => Enumerable.Range(0, SeedCount).Select(i => (long)i).ToArray();

        public void Validate()
        {
            ImageDatasets.CheckName(Dataset);
            if (!Table3Options.Spaces.Contains(Space))
                throw new ArgumentException($"Unknown space '{Space}': use {string.Join(" or ", Table3Options.Spaces)}.", nameof(Space));
            if (SeedCount < 2)
                throw new ArgumentOutOfRangeException(nameof(SeedCount), SeedCount,
                    $"Use at least 2 seeds so that the spread between seeds can be reported; got {SeedCount}.");
        }
    }

    /// <summary>Runs the experiment without writing a report (the network cache is read and written).</summary>
    public static ExperimentResult Run(Settings settings, Device device, IExperimentProgress? progress = null, Table3Options? options = null)
    {
        settings.Validate();
        options ??= Table3Options.For(settings.Dataset, settings.Budget, settings.Space);
        options.Validate();
        var networkOptions = options.Networks;
        var data = Table2Reproduction.Limit(ImageDatasets.Load(settings.Dataset,
            settings.DataLocations ?? ImageDatasets.StandardLocations(settings.Dataset, []), options.SplitSeed), networkOptions);
        using var networks = ImageNetworkCache.Prepare(data, networkOptions, settings.CacheDir, device, progress);
        return Table3Experiment.Run(options, data, networks, settings.Seeds, device, progress);
    }

    /// <summary>The runtime entry of results.json: the numerical runtime, the OpenMP thread setting, the budget and the cache.</summary>
    public static object Runtime(Devices.RuntimeInfo info, string? ompNumThreads, Settings settings) =>
        Table2Reproduction.Runtime(info, ompNumThreads, settings.Budget, settings.CacheDir);

    /// <summary>The command line that reproduces a run.</summary>
    public static string Command(Settings settings) =>
        $"precondflow reproduce {Table3Experiment.Id} --dataset {settings.Dataset} --space {settings.Space} --seeds {settings.SeedCount}" +
        settings.Budget switch { ImageBudget.Quick => " --quick", ImageBudget.Paper => " --paper", _ => "" };
}
