using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Reporting.Studies;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary><c>reproduce study-2d --quick</c> with 3 seeds, run once (about 20 s on one core) and written to a
/// temporary folder that is deleted afterwards.</summary>
public sealed class QuickTwoDStudy : IDisposable
{
    public static TwoDStudySettings Settings { get; } = new(Seeds: 3, Quick: true);

    public QuickTwoDStudy()
    {
        Result = TwoDStudy.Run(Settings, CPU);
        TwoDStudyReport.Write(Folder, Result);
    }

    public TwoDStudyResult Result { get; }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"precondflow-study-2d-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
    }
}
