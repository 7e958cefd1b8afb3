using PrecondFlow.Reporting;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>A line chart: one line per series (curves over training steps or over t).</summary>
/// <param name="Title">The chart's title.</param>
/// <param name="XLabel">The x axis label.</param>
/// <param name="YLabel">The y axis label.</param>
/// <param name="Lines">One series per line, in legend order.</param>
/// <param name="LogY">Whether the y axis is logarithmic (non-positive values are then left out).</param>
public sealed record LineFigure(string File, string Caption, string Title, string XLabel, string YLabel,
    IReadOnlyList<Series> Lines, bool LogY = false) : Figure(File, Caption);
