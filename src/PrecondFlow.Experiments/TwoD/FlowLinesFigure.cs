namespace PrecondFlow.Experiments.TwoD;

/// <summary>Flow lines: trajectories of an ODE in the plane, each as a polyline from t = 0 to t = 1.</summary>
/// <param name="Title">The plot's title.</param>
/// <param name="Paths">Per trajectory, its x and y coordinates at the solver's kept times (equal lengths, at least 1).</param>
public sealed record FlowLinesFigure(string File, string Caption, string Title, IReadOnlyList<(double[] X, double[] Y)> Paths)
    : Figure(File, Caption);
