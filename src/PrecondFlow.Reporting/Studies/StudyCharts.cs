using PrecondFlow.Experiments.Studies;
using PrecondFlow.IO;
using ScottPlot;
using SkiaSharp;

namespace PrecondFlow.Reporting.Studies;

/// <summary>
/// The curves of a convergence study as one PNG: one panel per metric, the steps on a log axis, each arm's mean over
/// seeds as a line inside a band from the smallest to the largest seed's value.
/// </summary>
public static class StudyCharts
{
    private const int PanelWidth = 640;
    private const int PanelHeight = 440;
    private const int Columns = 3;

    /// <summary>Writes the panels of every metric of <paramref name="result"/> into one PNG (atomically).</summary>
    public static void WriteCurves(string path, StudyResult result)
    {
        var panels = result.Metrics.Select(m => Panel(result, m)).ToArray();
        int rows = (panels.Length + Columns - 1) / Columns;
        using var grid = new SKBitmap(Columns * PanelWidth, rows * PanelHeight);
        using (var canvas = new SKCanvas(grid))
        {
            canvas.Clear(SKColors.White);
            for (int i = 0; i < panels.Length; i++)
            {
                using var panel = SKBitmap.Decode(panels[i]);
                canvas.DrawBitmap(panel, i % Columns * PanelWidth, i / Columns * PanelHeight);
            }
        }
        using var image = SKImage.FromBitmap(grid);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.ToArray());
    }

    /// <summary>The value a panel plots: the metric itself, or log₁₀ of a ratio whose ideal is 1 (so that 0 is ideal).</summary>
    private static double Plotted(StudyMetric metric, double value) =>
        metric.Direction == MetricDirection.CloserToOneIsBetter ? Math.Log10(value) : value;

    private static byte[] Panel(StudyResult result, StudyMetric metric)
    {
        string yLabel = metric.Direction == MetricDirection.CloserToOneIsBetter ? $"log₁₀ {metric.Key} (0 is ideal)" : metric.Key;
        int fixedMmd = Array.IndexOf(result.Metrics.Where(m => m.Key.StartsWith("mmd_fixed_", StringComparison.Ordinal)).ToArray(), metric);
        string title = fixedMmd >= 0
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{metric.Key} (h = {result.MmdBandwidths[fixedMmd]:G3})")
            : metric.Key;
        var plot = Charts.NewPlot(title, "main-flow steps (log scale)", yLabel);
        for (int a = 0; a < result.Arms.Count; a++)
        {
            var arm = result.Arms[a];
            var color = new ScottPlot.Palettes.Category10().GetColor(a);
            var perSeed = arm.Metrics[metric.Key];
            var points = Enumerable.Range(0, arm.Steps.Count)
                .Select(j => (X: Math.Log10(arm.Steps[j]), Values: perSeed.Select(s => Plotted(metric, s[j])).Where(double.IsFinite).ToArray()))
                .Where(p => p.Values.Length > 0)
                .ToArray();
            if (points.Length == 0)
                continue;
            var xs = points.Select(p => p.X).ToArray();
            var lows = points.Select(p => p.Values.Min()).ToArray();
            var highs = points.Select(p => p.Values.Max()).ToArray();
            var band = plot.Add.Polygon(xs.Concat(xs.Reverse()).Zip(highs.Concat(lows.Reverse()), (x, y) => new Coordinates(x, y)).ToArray());
            band.FillStyle.Color = color.WithAlpha(0.2);
            band.LineStyle.Width = 0;
            var line = plot.Add.ScatterLine(xs, points.Select(p => p.Values.Average()).ToArray());
            line.Color = color;
            line.LineWidth = 2;
            line.LegendText = arm.Name;
        }
        // Ticks at the evaluation points themselves: round step counts rather than powers of ten.
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var step in result.Arms.SelectMany(a => a.Steps).Distinct().Order())
            ticks.AddMajor(Math.Log10(step), step.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.ShowLegend();
        return plot.GetImageBytes(PanelWidth, PanelHeight, ImageFormat.Png);
    }
}
