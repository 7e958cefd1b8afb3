using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>
/// The study cache: a finished trial or seed is kept under a key of everything that determines it, a second run reuses
/// every entry and gives the same numbers, a changed setting or changed data reuses none, a damaged entry is refused naming
/// the damaged file, and a staging folder left by a killed write is never read.
/// </summary>
public sealed class StudyCacheTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-study-cache-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Arms none and whiten, two rates, two seeds: 4 trials and 4 seeds.</summary>
    private static readonly StudyOptions Options = new(
        Arms: ["whiten"], Steps: 40, FirstEvaluation: 20, Seeds: 2, LearningRates: [1e-3, 3e-3], WarmupSteps: 5, Hidden: [8],
        BatchSize: 64, SolverSteps: 3, Samples: 100, MetricSamples: 100, Projections: 8);

    private const int Entries = 8;

    private static StudyData Data(int count = 500) =>
        new(ToyDatasets.Create("elongated-gaussian", count, seed: 0, new ToyDatasetOptions(Kappa: 100)), "elongated-gaussian, κ = 100");

    private StudyCache Cache => new(folder);

    private string[] EntryFolders => Directory.Exists(Cache.Folder) ? Directory.GetDirectories(Cache.Folder) : [];

    [Fact]
    public void EveryTrialAndSeedIsSavedAndASecondRunReusesThemAllWithTheSameNumbers()
    {
        var first = ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache);
        var written = EntryFolders.Select(f => (f, Directory.GetLastWriteTimeUtc(f))).ToArray();
        Assert.Equal(Entries, written.Length);

        var second = ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache);
        Assert.Equal(written, EntryFolders.Select(f => (f, Directory.GetLastWriteTimeUtc(f))).ToArray());
        Assert.Equal(Numbers(first), Numbers(second));
        Assert.Equal(first.Trials, second.Trials);
        Assert.Equal(first.Arms.Select(a => a.TrainSeconds), second.Arms.Select(a => a.TrainSeconds));   // read back, not rerun
    }

    [Fact]
    public void ARunWithSomeEntriesMissingComputesOnlyThoseAndEndsWithTheSameNumbers()
    {
        var uncached = ConvergenceStudy.Run(Options, Data(), CPU);
        ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache);
        foreach (var entry in EntryFolders.Where((_, i) => i % 3 == 0))
            Directory.Delete(entry, recursive: true);

        var resumed = ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache);
        Assert.Equal(Entries, EntryFolders.Length);
        Assert.Equal(Numbers(uncached), Numbers(resumed));
    }

    [Fact]
    public void ChangedSettingsOrChangedDataReuseNoEntry()
    {
        ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache);
        var first = EntryFolders.ToHashSet();
        ConvergenceStudy.Run(Options with { Steps = 41 }, Data(), CPU, cache: Cache);
        var afterSteps = EntryFolders.ToHashSet();
        Assert.Equal(2 * Entries, afterSteps.Count);
        ConvergenceStudy.Run(Options, Data(count: 501), CPU, cache: Cache);
        Assert.Equal(3 * Entries, EntryFolders.Length);
        Assert.Subset(EntryFolders.ToHashSet(), first);
    }

    [Fact]
    public void ADamagedEntryIsRefusedNamingTheDamagedFile()
    {
        ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache);
        var result = Path.Combine(EntryFolders.First(f => Path.GetFileName(f).StartsWith("seed-")), "result.json");
        var bytes = File.ReadAllBytes(result);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(result, bytes);

        var error = Assert.Throws<InvalidDataException>(() => ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache));
        Assert.Contains(result, error.Message);
        Assert.Contains("corrupted", error.Message);
    }

    [Fact]
    public void AStagingFolderLeftByAKilledWriteIsNeverRead()
    {
        var expected = ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache);
        var entry = EntryFolders[0];
        // What a write killed half-way leaves: a hidden sibling with a truncated result and no manifest, and the entry gone.
        var staging = Path.Combine(Cache.Folder, $".{Path.GetFileName(entry)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "result.json"), "{ \"metr");
        Directory.Delete(entry, recursive: true);

        var resumed = ConvergenceStudy.Run(Options, Data(), CPU, cache: Cache);
        Assert.Equal(Numbers(expected), Numbers(resumed));
        Assert.True(Directory.Exists(entry));
        Assert.True(Directory.Exists(staging));
    }

    /// <summary>Every metric value of every arm, seed and step, and the chosen rates.</summary>
    private static string Numbers(StudyResult result) =>
        string.Join(";", result.Arms.Select(a => $"{a.Name}@{a.LearningRate:R}:" + string.Join(",",
            a.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).SelectMany(m => m.Value.SelectMany(s => s)).Select(v => v.ToString("R")))));
}
