using System.Globalization;
using PrecondFlow.Metrics;

namespace PrecondFlow.Experiments.Studies;

/// <summary>A metric a study records at every evaluation point.</summary>
/// <param name="Key">Its key in study.json (that of <see cref="SampleQuality"/>'s JSON where it has one).</param>
/// <param name="Direction">Which values are better.</param>
/// <param name="Description">What it measures, in a sentence part.</param>
/// <param name="InSummary">Whether the speed-up and plateau tables report it.</param>
public sealed record StudyMetric(string Key, MetricDirection Direction, string Description, bool InSummary = true)
{
    /// <summary>The error of <paramref name="value"/>: lower is better, 0 is perfect (see <see cref="MetricDirection"/>).</summary>
    public double Error(double value) => ErrorOf(Direction, value);

    /// <summary>The error of a value of a metric with direction <paramref name="direction"/>.</summary>
    public static double ErrorOf(MetricDirection direction, double value) => direction switch
    {
        MetricDirection.LowerIsBetter => value,
        MetricDirection.HigherIsBetter => 1 - value,
        _ => Math.Abs(Math.Log(value)),
    };

    /// <summary>How the error is read, for reports.</summary>
    public string ErrorDescription => Direction switch
    {
        MetricDirection.LowerIsBetter => "lower is better (error = value)",
        MetricDirection.HigherIsBetter => "higher is better (error = 1 − value)",
        _ => "closer to 1 is better (error = |log value|)",
    };

    /// <summary>The metrics of every study, in report order; the fixed-bandwidth MMDs follow, one per bandwidth.</summary>
    public static IReadOnlyList<StudyMetric> Standard { get; } =
    [
        new("sliced_wasserstein", MetricDirection.LowerIsBetter, "sliced Wasserstein-2 distance in data units (dominated by the wide directions)"),
        new("whitened_sliced_wasserstein", MetricDirection.LowerIsBetter, "sliced Wasserstein-2 distance in the reference's whitened coordinates (every direction counts alike)"),
        new("mmd", MetricDirection.LowerIsBetter, "MMD² (unbiased, so slightly negative when the sets agree) with bandwidths at ¼–4× the median distance of each evaluation (not on one scale across evaluations)", InSummary: false),
        new("precision", MetricDirection.HigherIsBetter, "share of samples inside the reference's k-NN manifold (fidelity)"),
        new("recall", MetricDirection.HigherIsBetter, "share of reference points inside the samples' k-NN manifold (diversity)"),
        new("density", MetricDirection.CloserToOneIsBetter, "k-NN density (Naeem et al. 2020), 1 for matching sets", InSummary: false),
        new("coverage", MetricDirection.HigherIsBetter, "share of reference points with a sample inside their k-NN ball", InSummary: false),
        new("spectrum_min_ratio", MetricDirection.CloserToOneIsBetter, "smallest eigenvalue of the samples' covariance over the reference's (the thin direction)"),
        new("spectrum_max_ratio", MetricDirection.CloserToOneIsBetter, "largest eigenvalue of the samples' covariance over the reference's (the wide direction)"),
    ];

    /// <summary>The distance-to-curve metrics of data sets with a known generating curve.</summary>
    public static IReadOnlyList<StudyMetric> Curve { get; } =
    [
        new("curve_distance_p99", MetricDirection.LowerIsBetter, "99th percentile of the samples' distance to the generating curve"),
        new("curve_share_beyond_3_sigma", MetricDirection.LowerIsBetter, "share of samples farther than 3σ of the noise from the generating curve"),
    ];

    /// <summary>The key of the fixed-bandwidth MMD² at bandwidth <paramref name="index"/> of the study's list.</summary>
    public static string FixedMmdKey(int index) => string.Create(CultureInfo.InvariantCulture, $"mmd_fixed_{index}");

    /// <summary>The metrics a study with <paramref name="bandwidths"/> and (or not) a generating curve records.</summary>
    public static IReadOnlyList<StudyMetric> For(IReadOnlyList<double> bandwidths, bool hasCurve) =>
        Standard
            .Concat(bandwidths.Select((h, i) => new StudyMetric(FixedMmdKey(i), MetricDirection.LowerIsBetter,
                string.Create(CultureInfo.InvariantCulture, $"MMD² (unbiased, so slightly negative when the sets agree) at the fixed bandwidth h = {h:G3} (data units), the same at every evaluation"),
                InSummary: i == bandwidths.Count / 2)))
            .Concat(hasCurve ? Curve : [])
            .ToArray();

    /// <summary>The values of <paramref name="metrics"/> read from one evaluation (NaN where the metric is unavailable,
    /// e.g. whitened distances when the reference's covariance is singular).</summary>
    public static IReadOnlyDictionary<string, double> Read(IReadOnlyList<StudyMetric> metrics, SampleQuality quality)
    {
        var values = new Dictionary<string, double>();
        foreach (var metric in metrics)
            values[metric.Key] = metric.Key switch
            {
                "sliced_wasserstein" => quality.SlicedWasserstein,
                "whitened_sliced_wasserstein" => quality.WhitenedSlicedWasserstein ?? double.NaN,
                "mmd" => quality.Mmd,
                "precision" => quality.Precision,
                "recall" => quality.Recall,
                "density" => quality.Density,
                "coverage" => quality.Coverage,
                "spectrum_min_ratio" => quality.SpectrumMinRatio,
                "spectrum_max_ratio" => quality.SpectrumMaxRatio,
                "curve_distance_p99" => quality.CurveDistanceP99 ?? double.NaN,
                "curve_share_beyond_3_sigma" => quality.CurveShareBeyondThreeSigma ?? double.NaN,
                var key when key.StartsWith("mmd_fixed_", StringComparison.Ordinal) =>
                    quality.MmdFixed?[int.Parse(key["mmd_fixed_".Length..], CultureInfo.InvariantCulture)] ?? double.NaN,
                var key => throw new ArgumentException($"Unknown study metric '{key}'."),
            };
        return values;
    }
}
