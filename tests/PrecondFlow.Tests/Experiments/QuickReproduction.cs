using PrecondFlow.Devices;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Reporting;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments;

/// <summary>
/// Runs `reproduce all-2d` once with the quick budget and two seeds (about 10–15 s on one thread), for the tests that
/// check its structure and its report; shared by every test class in <see cref="Collection"/>; deletes the folder afterwards.
/// </summary>
public sealed class QuickReproduction : IDisposable
{
    public const int Seeds = 2;

    /// <summary>The test collection whose classes share one run.</summary>
    public const string Collection = "quick all-2d reproduction";

    public QuickReproduction()
    {
        var settings = new ReproductionSettings(Seeds, Quick: true);
        Results = TwoDReproduction.RunAll(TwoDReproduction.All, settings, CPU);
        TwoDReproductionReport.Write(Folder, TwoDReproduction.All, Results, settings,
            TwoDReproduction.Runtime(RuntimeInfo.Collect(CPU), ompNumThreads: null, settings));
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"precondflow-reproduce-{Guid.NewGuid():N}");

    public IReadOnlyList<ExperimentResult> Results { get; }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
    }
}
