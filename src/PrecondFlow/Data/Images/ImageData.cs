using System.Globalization;
using static TorchSharp.torch;

namespace PrecondFlow.Data.Images;

/// <summary>
/// A labelled set of single-channel images held in managed arrays (no tensors, so nothing to
/// dispose): <see cref="Count"/> images of <see cref="Height"/> × <see cref="Width"/> pixels with
/// intensities in [0, 1] (0 = background), one class label each. Tensors are made on demand by
/// <see cref="ImagesTensor"/> and <see cref="LabelsTensor"/>.
/// </summary>
public sealed class ImageData
{
    /// <summary>
    /// Wraps the arrays without copying them; the caller gives up ownership.
    /// </summary>
    /// <param name="height">Rows per image, at least 1.</param>
    /// <param name="width">Columns per image, at least 1.</param>
    /// <param name="pixels">count·height·width intensities in [0, 1]: image after image, each row-major.</param>
    /// <param name="labels">count class indices in 0 … classNames.Count − 1; their number is the number of images.</param>
    /// <param name="classNames">The name of each class, in label order (at least one).</param>
    /// <exception cref="ArgumentException">Mismatched lengths, a label out of range, or a pixel that is not in [0, 1].</exception>
    public ImageData(int height, int width, float[] pixels, int[] labels, IReadOnlyList<string> classNames)
        : this(height, width, pixels, labels, classNames, pixelsChecked: false)
    {
    }

    /// <summary>As the public constructor, optionally skipping the pixel-range check.</summary>
    /// <param name="height">Rows per image, at least 1.</param>
    /// <param name="width">Columns per image, at least 1.</param>
    /// <param name="pixels">count·height·width intensities in [0, 1]: image after image, each row-major.</param>
    /// <param name="labels">count class indices in 0 … classNames.Count − 1.</param>
    /// <param name="classNames">The name of each class, in label order (at least one).</param>
    /// <param name="pixelsChecked">True when the caller guarantees every pixel lies in [0, 1] (bytes / 255,
    /// values checked while parsing, a subset of a checked set), which saves a pass over tens of millions of pixels.</param>
    internal ImageData(int height, int width, float[] pixels, int[] labels, IReadOnlyList<string> classNames, bool pixelsChecked)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (height < 1)
            throw new ArgumentOutOfRangeException(nameof(height), height, $"An image needs at least one row; got height {height}.");
        if (width < 1)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"An image needs at least one column; got width {width}.");
        if (classNames.Count == 0)
            throw new ArgumentException("A labelled image set needs at least one class name.", nameof(classNames));
        var imageSize = (long)height * width;
        if (pixels.LongLength != labels.LongLength * imageSize)
            throw new ArgumentException(
                $"{labels.Length} labels of {height}×{width} images need {labels.LongLength * imageSize} pixels, but {pixels.Length} were given; " +
                "pass one label per image and the images one after another, each row-major.", nameof(pixels));
        for (var i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException(
                    $"Label {i} (counting from 0) is {labels[i]}; with {classNames.Count} classes labels run from 0 to {classNames.Count - 1}.",
                    nameof(labels));
        if (!pixelsChecked)
            CheckIntensities(pixels, imageSize);

        Height = height;
        Width = width;
        Pixels = pixels;
        Labels = labels;
        ClassNames = classNames.ToArray();
    }

    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Rows per image.</summary>
    public int Height { get; }

    /// <summary>Columns per image.</summary>
    public int Width { get; }

    /// <summary>Count·Height·Width intensities in [0, 1]: image after image, each row-major.</summary>
    public float[] Pixels { get; }

    /// <summary>The class of each image, in 0 … ClassNames.Count − 1.</summary>
    public int[] Labels { get; }

    /// <summary>The name of each class, in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The images at <paramref name="indices"/> (repeats allowed), in that order, as a new set with the same classes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside 0 … Count − 1.</exception>
    public ImageData Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var size = Height * Width;
        var pixels = new float[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            var index = indices[i];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index,
                    $"Index {i} of the subset is {index}, but the set holds {Count} images (indices 0 to {Count - 1}).");
            Array.Copy(Pixels, (long)index * size, pixels, (long)i * size, size);
            labels[i] = Labels[index];
        }
        return new ImageData(Height, Width, pixels, labels, ClassNames, pixelsChecked: true);
    }

    /// <summary>The images as a float32 tensor of shape (Count, 1, Height, Width) on <paramref name="device"/> (CPU when null).</summary>
    public Tensor ImagesTensor(Device? device = null) =>
        tensor(Pixels, [Count, 1, Height, Width], ScalarType.Float32, device ?? CPU);

    /// <summary>The labels as an int64 tensor of shape (Count) on <paramref name="device"/> (CPU when null).</summary>
    public Tensor LabelsTensor(Device? device = null) =>
        tensor(Array.ConvertAll(Labels, label => (long)label), [Count], ScalarType.Int64, device ?? CPU);

    /// <summary>
    /// The images as training points: a float32 (Count, Height·Width) tensor of intensities mapped from [0, 1] to [−1, 1]
    /// (2v − 1), with int64 labels, <see cref="ClassNames"/>.Count classes and image shape (1, Height, Width).
    /// </summary>
    public PointCloud ToPointCloud()
    {
        using var scope = NewDisposeScope();
        var points = (ImagesTensor().reshape(Count, (long)Height * Width) * 2).sub_(1).MoveToOuterDisposeScope();
        return new PointCloud(points, LabelsTensor().MoveToOuterDisposeScope(), ClassNames.Count) { ImageShape = [1, Height, Width] };
    }

    private static void CheckIntensities(float[] pixels, long imageSize)
    {
        for (var i = 0L; i < pixels.LongLength; i++)
            if (!(pixels[i] is >= 0f and <= 1f)) // also rejects NaN
                throw new ArgumentException(
                    $"Pixel {i % imageSize} of image {i / imageSize} (counting from 0) is {pixels[i].ToString("R", CultureInfo.InvariantCulture)}; " +
                    "intensities must lie in [0, 1] (divide bytes by 255).", nameof(pixels));
    }

    /// <summary>How many images each class has: entry c counts label c (length ClassNames.Count).</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassNames.Count];
        foreach (var label in Labels)
            counts[label]++;
        return counts;
    }
}
