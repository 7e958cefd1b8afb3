using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Reporting;

/// <summary>Draws an experiment's figure description as a PNG.</summary>
public static class FigureRenderer
{
    /// <summary>Writes <paramref name="figure"/> to <paramref name="path"/> (atomically).</summary>
    public static void Render(Figure figure, string path)
    {
        switch (figure)
        {
            case LineFigure f:
                Charts.Lines(path, f.Title, f.XLabel, f.YLabel, f.Lines, f.LogY);
                break;
            case ImageGridFigure f:
                using (var images = tensor(f.Pixels, [f.Count, 1, f.Height, f.Width]))
                    ImageGrid.WritePng(path, images, f.Columns, f.RowLabels);
                break;
            default:
                throw new ArgumentException($"No renderer for a figure of type {figure.GetType().Name} ({figure.File}).", nameof(figure));
        }
    }
}
