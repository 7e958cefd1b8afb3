namespace PrecondFlow.Experiments.TwoD;

/// <summary>A figure of a report: its file name and its caption. The subtypes carry what the figure shows as plain data
/// (<see cref="LineFigure"/>, <see cref="ImageGridFigure"/>);
/// the reporting assembly draws them.</summary>
/// <param name="File">PNG file name inside the report folder, e.g. "loss.png".</param>
/// <param name="Caption">What the figure shows, in a sentence or two.</param>
public abstract record Figure(string File, string Caption);
