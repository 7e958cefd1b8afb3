using PrecondFlow.Data.Internal;
using PrecondFlow.Devices;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// The paper's 2D experiments by name — "fig2", "table1", "fig11", or "all-2d" for all three. The reporting assembly writes
/// each as a report folder; all-2d as one sub-folder per experiment and a top-level report.md that links them.
/// </summary>
public static class TwoDReproduction
{
    public const string All = "all-2d";

    /// <summary>The names accepted by <see cref="RunAll"/>.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [ElongatedGaussianExperiment.Id, SwissRollExperiment.Id, CheckerboardToSwissRollExperiment.Id, All];

    /// <summary>The single experiments, in the order all-2d runs them.</summary>
    public static IReadOnlyList<string> Experiments { get; } = Names.Take(3).ToArray();

    /// <summary>Runs experiment <paramref name="name"/>, or for all-2d each experiment in turn, without writing anything.</summary>
    /// <returns>The results: one, or one per experiment for all-2d.</returns>
    public static IReadOnlyList<ExperimentResult> RunAll(string name, ReproductionSettings settings, Device device,
        IExperimentProgress? progress = null)
    {
        CheckName(name);
        settings.Validate();
        return name == All ? Experiments.Select(n => Run(n, settings, device, progress)).ToArray() : [Run(name, settings, device, progress)];
    }

    /// <summary>Runs one single experiment (not all-2d) without writing anything.</summary>
    public static ExperimentResult Run(string name, ReproductionSettings settings, Device device, IExperimentProgress? progress = null)
    {
        CheckName(name);
        settings.Validate();
        return name switch
        {
            ElongatedGaussianExperiment.Id => ElongatedGaussianExperiment.Run(ElongatedGaussianOptions.For(settings.Quick), settings.Seeds, device, progress),
            SwissRollExperiment.Id => SwissRollExperiment.Run(SwissRollOptions.For(settings.Quick), settings.Seeds, device, progress),
            CheckerboardToSwissRollExperiment.Id => CheckerboardToSwissRollExperiment.Run(
                CheckerboardToSwissRollOptions.For(settings.Quick), settings.Seeds, device, progress),
            _ => throw new ArgumentException($"'{name}' runs several experiments; use {nameof(RunAll)}.", nameof(name)),
        };
    }

    /// <summary>The command line that reproduces a run.</summary>
    public static string Command(string name, ReproductionSettings settings) =>
        $"precondflow reproduce {name} --seeds {settings.SeedCount}{(settings.Quick ? " --quick" : "")}";

    private static void CheckName(string name)
    {
        if (!Names.Contains(name))
            throw new ArgumentException(
                $"Unknown experiment '{name}'. Known experiments: {string.Join(", ", Names)}.{NameSuggestion.Hint(name, Names)}", nameof(name));
    }

    /// <summary>The runtime entry of results.json: the numerical runtime, the OpenMP thread setting and the budget.</summary>
    /// <param name="info">The runtime the experiments ran on.</param>
    /// <param name="ompNumThreads">The value of OMP_NUM_THREADS the process was started with (null when unset).</param>
    public static object Runtime(RuntimeInfo info, string? ompNumThreads, ReproductionSettings settings) => new
    {
        info,
        omp_num_threads = ompNumThreads,
        budget = settings.Quick ? "quick (a reduced budget for trying things; its numbers do not test the paper's claims)" : "default",
    };
}
