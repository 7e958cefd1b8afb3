using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Preconditioning;
using PrecondFlow.Reporting.Studies;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>
/// A study small enough for tests (a few seconds on one core): elongated Gaussian κ = 100, arms none, whiten and a
/// tiny RealNVP (so the compute-matched baselines appear), 2 seeds, evaluations at 25, 50 and 100 steps. Its folder is
/// written once and deleted afterwards.
/// </summary>
public sealed class TinyStudy : IDisposable
{
    public const int Seeds = 2;

    public static StudyOptions Options { get; } = new(
        Arms: ["whiten", "realnvp"],
        Steps: 100,
        FirstEvaluation: 25,
        Seeds: Seeds,
        LearningRates: [1e-3, 3e-3],
        WarmupSteps: 10,
        Hidden: [16, 16],
        BatchSize: 128,
        SolverSteps: 5,
        Samples: 200,
        Preconditioners: new PreconditionerSettings(RealNvp: new RealNvpOptions(Couplings: 2, Hidden: 8, Steps: 30, LogEvery: 10)),
        MetricSamples: 200,
        Projections: 32);

    public static StudyResult Run() =>
        ConvergenceStudy.Run(Options, new StudyData(ToyDatasets.Create("elongated-gaussian", 1500, seed: 0, new ToyDatasetOptions(Kappa: 100)),
            "elongated-gaussian, κ = 100"), CPU);

    public TinyStudy()
    {
        Result = Run();
        StudyReport.Write(Folder, Result, "precondflow study (test)");
    }

    public StudyResult Result { get; }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"precondflow-study-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
    }
}
