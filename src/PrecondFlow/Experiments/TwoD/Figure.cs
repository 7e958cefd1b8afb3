namespace PrecondFlow.Experiments.TwoD;

/// <summary>A figure of a report: its file name, its caption, and how to draw it into a path.</summary>
/// <param name="File">PNG file name inside the report folder, e.g. "loss.png".</param>
/// <param name="Caption">What the figure shows, in a sentence or two.</param>
/// <param name="Render">Writes the PNG to the path it is given (from plain arrays: no tensors are kept alive).</param>
public sealed record Figure(string File, string Caption, Action<string> Render);
