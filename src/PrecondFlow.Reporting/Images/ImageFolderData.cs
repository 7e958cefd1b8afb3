using PrecondFlow.Data;

namespace PrecondFlow.Images;

/// <summary>The images of a class-per-sub-folder tree, as training points, and what was done to read them.</summary>
/// <param name="Points">(n, C·H·W) float32 pixels in [−1, 1], each image in C order, with int64 labels, one class per
/// sub-folder, and image shape (C, H, W).</param>
/// <param name="ClassNames">The sub-folders' names in label order (ordinal order of the names).</param>
/// <param name="SkippedFiles">Files that are not PNG or JPEG images by their extension, relative to the folder; not read.</param>
/// <param name="Conversions">One sentence per kind of change made to bring the images to one shape (resized, cropped,
/// converted to grayscale or RGB), each with its count; empty when every image was used as it is.</param>
public sealed record ImageFolderData(PointCloud Points, IReadOnlyList<string> ClassNames, IReadOnlyList<string> SkippedFiles,
    IReadOnlyList<string> Conversions)
{
    /// <summary>(C, H, W) of every image.</summary>
    public int[] ImageShape => Points.ImageShape!;

    /// <summary>How many images each class has: entry k counts label k.</summary>
    public long[] ClassCounts()
    {
        var counts = new long[ClassNames.Count];
        foreach (var label in Points.Labels!.data<long>())
            counts[label]++;
        return counts;
    }
}
