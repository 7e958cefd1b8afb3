using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// Samples that are images (<see cref="PointCloud.ImageShape"/> set) as one PNG grid (<see cref="ImageGrid"/>), values mapped
/// from [−1, 1] to [0, 1]. Samples of several classes get one row per class: the first <see cref="MaxColumns"/> samples of each
/// class (as many as the smallest class has, if fewer), labelled with the class's name. Otherwise the grid holds the first
/// <see cref="MaxColumns"/> × <see cref="MaxRows"/> samples, <see cref="MaxColumns"/> per row.
/// </summary>
public static class SampleGrid
{
    /// <summary>Images per row.</summary>
    public const int MaxColumns = 10;

    /// <summary>Rows of a grid without one row per class.</summary>
    public const int MaxRows = 10;

    /// <summary>Writes the grid to <paramref name="path"/> atomically.</summary>
    /// <param name="samples">Flattened images with their image shape (1 or 3 channels), with labels when conditional.</param>
    /// <param name="classNames">Row labels for classes 0 … K − 1; null labels each row with its class number.</param>
    /// <exception cref="ArgumentException">Samples without an image shape.</exception>
    public static void WritePng(string path, PointCloud samples, IReadOnlyList<string>? classNames = null)
    {
        if (samples.ImageShape is null)
            throw new ArgumentException("An image grid needs samples that are images (an image shape C×H×W).", nameof(samples));
        using var scope = NewDisposeScope();
        var images = ((samples.PointsInTheirShape().cpu().to(ScalarType.Float32) + 1) / 2).clamp(0, 1);
        if (RowsPerClass(samples) is { } rows)
        {
            var picked = cat(rows.Select(row => images.index_select(0, row)).ToArray());
            var labels = Enumerable.Range(0, rows.Count).Select(k => classNames is { } names && k < names.Count ? names[k] : k.ToString()).ToArray();
            ImageGrid.WritePng(path, picked, (int)rows[0].shape[0], labels);
            return;
        }
        long shown = Math.Min(images.shape[0], MaxColumns * MaxRows);
        ImageGrid.WritePng(path, images.narrow(0, 0, shown), (int)Math.Min(shown, MaxColumns));
    }

    /// <summary>For each class 0 … K − 1, the indices of its first samples, as many per class as the smallest class has (at
    /// most <see cref="MaxColumns"/>); null when the samples do not span two or more classes that each have a sample.</summary>
    private static List<Tensor>? RowsPerClass(PointCloud samples)
    {
        if (samples.Labels is not { } labels || samples.NumClasses < 2)
            return null;
        var label = labels.cpu().to(ScalarType.Int64).data<long>().ToArray();
        var members = Enumerable.Range(0, samples.NumClasses)
            .Select(k => Enumerable.Range(0, label.Length).Where(i => label[i] == k).Select(i => (long)i).ToArray()).ToArray();
        int columns = Math.Min(MaxColumns, members.Min(m => m.Length));
        return columns == 0 ? null : members.Select(m => tensor(m[..columns])).ToList();
    }
}
