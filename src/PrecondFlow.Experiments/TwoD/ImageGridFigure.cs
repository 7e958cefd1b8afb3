namespace PrecondFlow.Experiments.TwoD;

/// <summary>A grid of grayscale images, row-major, with a label left of each row.</summary>
/// <param name="Pixels">The images' pixels in [0, 1], shape (<paramref name="Count"/>, 1, <paramref name="Height"/>,
/// <paramref name="Width"/>) flattened in row-major order.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Columns">Images per row.</param>
/// <param name="RowLabels">One label per row (⌈Count / Columns⌉ of them).</param>
public sealed record ImageGridFigure(string File, string Caption, float[] Pixels, int Count, int Height, int Width, int Columns,
    IReadOnlyList<string> RowLabels) : Figure(File, Caption);
