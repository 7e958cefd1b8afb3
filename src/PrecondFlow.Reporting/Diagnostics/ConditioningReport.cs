using PrecondFlow.IO;
using PrecondFlow.Reporting;

namespace PrecondFlow.Diagnostics;

/// <summary>Writes conditioning profiles: <c>conditioning.json</c> and the κ(t) chart (the paper's Figure 12).</summary>
public static class ConditioningReport
{
    public const string JsonFile = "conditioning.json";
    public const string ChartFile = "kappa.png";

    /// <summary>
    /// Writes <c>{"t": [...], "kappa": [...], "eigenvalues": [[...], ...], "per_class": {"0": {...}, ...}}</c>
    /// (per_class only for a labelled profile; each class entry has the same t/kappa/eigenvalues keys).
    /// Infinite κ (singular covariance) is written as the string "Infinity".
    /// </summary>
    public static void WriteJson(string path, ConditioningProfile profile) => Json.WriteFile(path, profile);

    /// <summary>Writes named profiles as one JSON object, e.g. <c>{"none": {...}, "whiten": {...}}</c>.</summary>
    public static void WriteJson(string path, IReadOnlyDictionary<string, ConditioningProfile> profiles) =>
        Json.WriteFile(path, profiles);

    /// <summary>Reads a profile written by <see cref="WriteJson(string, ConditioningProfile)"/>.</summary>
    public static ConditioningProfile ReadJson(string path) => Json.ReadFile<ConditioningProfile>(path);

    /// <summary>κ(t) with log-y, one curve per named profile (e.g. "none", "whiten"); non-finite κ is left out.</summary>
    public static void WriteKappaChart(string path, IReadOnlyDictionary<string, ConditioningProfile> profiles,
        string title = "Condition number of Cov(x_t)")
    {
        if (profiles.Count == 0)
            throw new ArgumentException("Give at least one named profile to plot.", nameof(profiles));
        Charts.Lines(path, title, "t", "κ(Cov x_t)",
            profiles.Select(p => new Series(p.Key, p.Value.Times, p.Value.Kappa)), logY: true);
    }

    /// <summary>κ(t) with log-y for one profile: all points, plus one curve per class when labelled.</summary>
    public static void WriteKappaChart(string path, ConditioningProfile profile, string title = "Condition number of Cov(x_t)")
    {
        var series = new List<Series> { new("all", profile.Times, profile.Kappa) };
        if (profile.PerClass is not null)
            series.AddRange(profile.PerClass.OrderBy(c => c.Key).Select(c => new Series($"class {c.Key}", c.Value.Times, c.Value.Kappa)));
        Charts.Lines(path, title, "t", "κ(Cov x_t)", series, logY: true);
    }
}
