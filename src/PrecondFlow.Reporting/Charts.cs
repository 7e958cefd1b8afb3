using PrecondFlow.IO;
using ScottPlot;

namespace PrecondFlow.Reporting;

/// <summary>PNG charts: line charts (curves over time or steps) and scatter plots (point clouds).</summary>
public static class Charts
{
    public const int DefaultWidth = 800;
    public const int DefaultHeight = 600;

    /// <summary>Writes a line chart, one line per series; with <paramref name="logY"/> the y axis is logarithmic
    /// (non-positive values are dropped from the plot).</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series,
        bool logY = false, int width = DefaultWidth, int height = DefaultHeight)
    {
        var plot = NewPlot(title, xLabel, yLabel);
        foreach (var s in series)
        {
            var points = Enumerable.Range(0, Math.Min(s.X.Count, s.Y.Count))
                .Where(i => double.IsFinite(s.Y[i]) && double.IsFinite(s.X[i]) && (!logY || s.Y[i] > 0))
                .ToArray();
            var xs = points.Select(i => s.X[i]).ToArray();
            var ys = points.Select(i => logY ? Math.Log10(s.Y[i]) : s.Y[i]).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = s.Name;
            line.LineWidth = 2;
        }
        if (logY)
            UseLogScale(plot.Axes.Left);
        plot.ShowLegend();
        Save(plot, path, width, height);
    }

    /// <summary>Writes a scatter plot; each series is drawn in its own colour, with equal units on both axes.</summary>
    public static void Scatter(string path, string title, IEnumerable<Series> series,
        string xLabel = "x₁", string yLabel = "x₂", float markerSize = 2, int width = DefaultWidth, int height = DefaultWidth)
    {
        var plot = NewPlot(title, xLabel, yLabel);
        foreach (var s in series)
        {
            var markers = plot.Add.Markers(s.X.ToArray(), s.Y.ToArray());
            markers.MarkerSize = markerSize;
            markers.LegendText = s.Name;
        }
        plot.Axes.SquareUnits();
        plot.ShowLegend();
        Save(plot, path, width, height);
    }

    /// <summary>Writes flow lines: each trajectory as a thin line, with its start and end marked.</summary>
    public static void Trajectories(string path, string title, IReadOnlyList<(double[] X, double[] Y)> paths,
        int width = DefaultWidth, int height = DefaultWidth)
    {
        var plot = NewPlot(title, "x₁", "x₂");
        foreach (var (x, y) in paths)
        {
            var line = plot.Add.ScatterLine(x, y);
            line.LineWidth = 0.6f;
            line.Color = Colors.SteelBlue.WithAlpha(0.5);
        }
        var starts = plot.Add.Markers(paths.Select(p => p.X[0]).ToArray(), paths.Select(p => p.Y[0]).ToArray());
        starts.MarkerSize = 3;
        starts.Color = Colors.Gray;
        starts.LegendText = "start (t = 0)";
        var ends = plot.Add.Markers(paths.Select(p => p.X[^1]).ToArray(), paths.Select(p => p.Y[^1]).ToArray());
        ends.MarkerSize = 3;
        ends.Color = Colors.OrangeRed;
        ends.LegendText = "end (t = 1)";
        plot.Axes.SquareUnits();
        plot.ShowLegend();
        Save(plot, path, width, height);
    }

    internal static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private static void UseLogScale(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = y => Math.Pow(10, y).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
