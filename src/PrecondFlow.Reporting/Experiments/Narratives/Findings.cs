using System.Globalization;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Reporting.Narratives;

/// <summary>
/// Sentences of a report's result paragraph, generated from the numbers: whether an arm beats the baseline is decided
/// seed by seed (the seeds are paired: same data, initial weights and noise), never assumed.
/// </summary>
internal static class Findings
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static string G(double value) => value.ToString("G3", Invariant);

    /// <summary>
    /// Compares one metric (lower is better) between <paramref name="baseline"/> and <paramref name="arm"/>. Three outcomes:
    /// lower in every seed ("lowers … by X% ± Y"), not lower on average or in no seed ("does not help here"), or lower on
    /// average but not in every seed ("not a reliable improvement"). Changes are per-seed relative changes in percent for
    /// ratio-scale metrics, absolute differences otherwise.
    /// </summary>
    public static string Compare(ArmResult baseline, ArmResult arm, MetricInfo metric)
    {
        var b = baseline.Values(metric.Key);
        var a = arm.Values(metric.Key);
        int n = Math.Min(a.Length, b.Length);
        int lower = Enumerable.Range(0, n).Count(i => a[i] < b[i]);
        bool ratio = metric.RatioScale && b.Take(n).All(v => v > 0);
        var change = MeanStd.Of(Enumerable.Range(0, n).Select(i => ratio ? 100 * (a[i] / b[i] - 1) : a[i] - b[i]).ToArray());
        string amount = ratio
            ? string.Create(Invariant, $"{Math.Abs(change.Mean):F0}% ± {change.Std:F0}%")
            : $"{G(Math.Abs(change.Mean))} ± {change.Std.ToString("G2", Invariant)}";
        string values = $"{arm.Summary(metric.Key)} with {arm.Label} against {baseline.Summary(metric.Key)} without preconditioning";
        string sentence;
        if (lower == n)
            sentence = $"{arm.Label} lowers the {metric.Label} by {amount} over {n} seeds ({values}; lower in every seed).";
        else if (change.Mean >= 0)
            sentence = $"{arm.Label} does not help here for the {metric.Label}: {values}, higher by {amount} on average " +
                $"(lower in {lower} of {n} seeds).";
        else
            sentence = $"{arm.Label} lowers the {metric.Label} on average by {amount} over {n} seeds, but only in {lower} of {n} seeds " +
                $"({values}): not a reliable improvement at this budget.";
        return Sentence(sentence) + Spread(arm, metric);
    }

    /// <summary>A note (with a leading space) when one arm's per-seed values of a ratio-scale metric span more than a
    /// factor of 3; "" otherwise.</summary>
    public static string Spread(ArmResult arm, MetricInfo metric)
    {
        var values = arm.Values(metric.Key);
        if (!metric.RatioScale || values.Length < 2 || values.Min() <= 0 || values.Max() <= 3 * values.Min())
            return "";
        return " " + Sentence($"{arm.Label} varies strongly between seeds in the {metric.Label}: from {G(values.Min())} to {G(values.Max())} " +
            "(see the per-seed table).");
    }

    /// <summary>The noise floor of the given metrics, as one sentence ("" when none is known).</summary>
    public static string NoiseFloor(IReadOnlyDictionary<string, IReadOnlyList<double>> floor, IEnumerable<MetricInfo> metrics)
    {
        var parts = metrics.Where(m => floor.ContainsKey(m.Key)).Select(m => $"{MeanStd.Of(floor[m.Key].ToArray())} in the {m.Label}").ToArray();
        return parts.Length == 0
            ? ""
            : $"For scale, two independent samples of the true distributions, of the same sizes, are at {Join(parts)}: " +
              "the noise floor that a perfect model would reach.";
    }

    /// <summary>
    /// Which arms are at the noise floor of a metric — their mean within two standard deviations of the floor's mean (or
    /// below it) — as one sentence ("" when none is). Differences between such arms say little about sample quality.
    /// </summary>
    public static string AtNoiseFloor(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, IReadOnlyList<double>> floor,
        IEnumerable<MetricInfo> metrics)
    {
        var parts = new List<string>();
        foreach (var metric in metrics.Where(m => floor.ContainsKey(m.Key)))
        {
            var f = MeanStd.Of(floor[metric.Key].ToArray());
            var at = arms.Where(a => a.Summary(metric.Key).Mean <= f.Mean + 2 * f.Std).Select(a => a.Label).ToArray();
            if (at.Length > 0)
                parts.Add($"in the {metric.Label}, {Join(at)} {(at.Length == 1 ? "is" : "are")} at the noise floor " +
                    "(within two of its standard deviations), so differences there are within sampling noise");
        }
        return parts.Count == 0 ? "" : Sentence(string.Join("; ", parts)) + ".";
    }

    private static string Join(IReadOnlyList<string> items) =>
        items.Count == 1 ? items[0] : string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1];

    /// <summary>What an arm cost per seed, its preconditioner charged, against the baseline.</summary>
    public static string Cost(ArmResult baseline, ArmResult arm)
    {
        string S(MeanStd m) => m.Mean.ToString("F1", Invariant);
        return $"Per seed, {arm.Label} took {S(arm.Time(t => t.TotalSeconds))} s of training in all " +
            $"({S(arm.Time(t => t.PreconditionerSeconds))} s fitting P, {S(arm.Time(t => t.TransformSeconds))} s computing P(x), " +
            $"{S(arm.Time(t => t.MainFlowSeconds))} s for the main flow) against {S(baseline.Time(t => t.TotalSeconds))} s without preconditioning.";
    }

    /// <summary>
    /// How a curve measured during training moved over the second half of training, from the mean curve over seeds:
    /// "{what} of {arm} went from A (step s) to B (step S), a change of X%".
    /// </summary>
    public static string SecondHalf(ArmResult arm, string curve, string what)
    {
        var (half, end) = CurvePoint.HalfAndEnd(arm.MeanCurve(curve));
        double percent = half.Value > 0 && end.Value > 0 ? 100 * (end.Value / half.Value - 1) : double.NaN;
        string change = double.IsNaN(percent)
            ? ""
            : string.Create(Invariant, $", a change of {(percent < 0 ? "−" : "+")}{Math.Abs(percent):F0}%");
        return $"{what} of {arm.Label} went from {G(half.Value)} at step {half.Step} to {G(end.Value)} at step {end.Step}{change}";
    }

    /// <summary>The text with its first letter in upper case.</summary>
    public static string Sentence(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
