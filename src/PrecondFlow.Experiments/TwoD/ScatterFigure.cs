using PrecondFlow.Reporting;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>A scatter plot of 2D point clouds, each in its own colour, with equal units on both axes.</summary>
/// <param name="Title">The plot's title.</param>
/// <param name="Clouds">One series per point cloud (the first two coordinates of each point), in drawing order.</param>
/// <param name="XLabel">The x axis label.</param>
/// <param name="YLabel">The y axis label.</param>
public sealed record ScatterFigure(string File, string Caption, string Title, IReadOnlyList<Series> Clouds,
    string XLabel = "x₁", string YLabel = "x₂") : Figure(File, Caption);
