using PrecondFlow.Data.Internal;

namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>
/// The 2D experiments of <c>reproduce</c> by name, each a set of the regimes of <see cref="TwoDStudyRegimes"/> run on the
/// convergence-study engine, with the paper's claims checked in every regime:
/// <c>fig2</c> = regime (a), N(0, I) → elongated Gaussians at κ = 10² and 10⁴ with and without whitening (and the learned
/// preconditioners); <c>table1</c> = regime (c), the Swiss roll at two scales and two noise levels (Table 1 and Fig. 3–5)
/// with RealNVP's quality ablation; <c>fig11</c> = regime (d), checkerboard → Swiss roll with the preconditioner on the
/// source only next to both ends; <c>all-2d</c> = the three; <c>study-2d</c> = every regime, (b) included.
/// The paper's experiments keep each arm's samples (first seed, last step) for their scatter figures.
/// </summary>
public static class TwoDExperiments
{
    public const string Fig2 = "fig2";
    public const string Table1 = "table1";
    public const string Fig11 = "fig11";
    public const string All = "all-2d";

    /// <summary>Every name <see cref="Regimes"/> accepts, the paper's experiments first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Fig2, Table1, Fig11, All, TwoDStudy.Id];

    /// <summary>The regime groups (letters of the study plan) an experiment runs, in run order.</summary>
    public static IReadOnlyList<string> Groups(string name) => Check(name) switch
    {
        Fig2 => ["a"],
        Table1 => ["c"],
        Fig11 => ["d"],
        All => ["a", "c", "d"],
        _ => ["a", "b", "c", "d"],
    };

    /// <summary>What the experiment reproduces, as a report's title.</summary>
    public static string Title(string name) => Check(name) switch
    {
        Fig2 => "Fig. 2: N(0, I) → an elongated Gaussian, with and without preconditioning",
        Table1 => "Table 1 and Fig. 3–5: the Swiss roll, with and without preconditioning",
        Fig11 => "Fig. 11: checkerboard → Swiss roll, the preconditioner on the source only and on both ends",
        All => "The paper's 2D experiments: Fig. 2, Table 1 (Fig. 3–5) and Fig. 11",
        _ => "Preconditioning across 2D regimes",
    };

    /// <summary>True for the paper's experiments, which keep samples for their figures; study-2d only needs the metrics.</summary>
    public static bool KeepsSamples(string name) => Check(name) != TwoDStudy.Id;

    /// <summary>The regimes experiment <paramref name="name"/> runs with <paramref name="settings"/>.</summary>
    public static IReadOnlyList<StudyRegime> Regimes(string name, TwoDStudySettings settings)
    {
        var groups = Groups(name);
        bool keep = KeepsSamples(name);
        return TwoDStudyRegimes.For(settings)
            .Where(r => groups.Contains(r.Group))
            .Select(r => keep ? r with { Options = r.Options with { KeepFinalSamples = true } } : r)
            .Select(r => settings.BatchedSeeds ? r with { Options = r.Options with { BatchedSeeds = true } } : r)
            .ToArray();
    }

    private static string Check(string name)
    {
        if (!Names.Contains(name))
            throw new ArgumentException(
                $"Unknown 2D experiment '{name}'. Known: {string.Join(", ", Names)}.{NameSuggestion.Hint(name, Names)}", nameof(name));
        return name;
    }
}
