using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Data;

/// <summary>
/// A point cloud as NumPy files: the points in <c>X.npy</c>, a float32 or float64 array of shape
/// (n, d) (a 1-D array of n values is read as (n, 1)), or (n, C, H, W) for n images, read as (n, C·H·W) with
/// <see cref="PointCloud.ImageShape"/> (C, H, W) and written back in that shape; the labels, when there are any, in the
/// sibling <c>X.labels.npy</c>, an int64 (or, when read, int32) array of shape (n).
/// </summary>
internal static class PointCloudNpy
{
    private static readonly string[] PointTypes = ["<f4", "<f8"];
    private static readonly string[] LabelTypes = ["<i8", "<i4"];

    /// <summary>The labels file that belongs to a points file: X.npy → X.labels.npy.</summary>
    public static string LabelsPath(string pointsPath)
    {
        var stem = pointsPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? pointsPath[..^4] : pointsPath;
        return stem + ".labels.npy";
    }

    /// <summary>
    /// Reads the points in <paramref name="path"/> and, when <see cref="LabelsPath"/> exists, their
    /// labels; NumClasses = max label + 1. The points keep the file's dtype unless
    /// <paramref name="dtype"/> (Float32 or Float64) asks for another.
    /// </summary>
    /// <exception cref="DataFormatException">Any problem with either file: see <see cref="NpyFile.Read"/>,
    /// and non-finite points (with their row), negative labels, or a label count that differs from the
    /// point count.</exception>
    public static PointCloud Read(string path, ScalarType? dtype = null)
    {
        PointCloudFiles.CheckDtype(dtype);
        using var scope = NewDisposeScope();

        var points = NpyFile.Read(path);
        if (points.dtype is not (ScalarType.Float32 or ScalarType.Float64))
        {
            var hint = path.EndsWith(".labels.npy", StringComparison.OrdinalIgnoreCase) ? "points (this looks like a labels file)" : "points";
            throw DataFormatException.UnsupportedDtype(path, Descr(points.dtype), PointTypes, hint);
        }
        const string expected = "(n, d) for n points in d dimensions, (n,) for 1-D points, or (n, C, H, W) for n images";
        int[]? imageShape = null;
        if (points.dim() == 4)
        {
            if (points.shape.Any(extent => extent == 0))
                throw DataFormatException.UnsupportedShape(path, points.shape, "at least one image with at least one channel, row and column");
            imageShape = [(int)points.shape[1], (int)points.shape[2], (int)points.shape[3]];
        }
        points = points.dim() switch
        {
            1 => points.unsqueeze(1),
            2 => points,
            4 => points.reshape(points.shape[0], -1),
            _ => throw DataFormatException.UnsupportedShape(path, points.shape, expected),
        };
        if (points.shape[0] == 0 || points.shape[1] == 0)
            throw DataFormatException.UnsupportedShape(path, points.shape, "at least one point with at least one coordinate");

        var finite = isfinite(points);
        if (!finite.all().item<bool>())
        {
            var first = logical_not(finite).nonzero()[0];
            long row = first[0].item<long>(), column = first[1].item<long>();
            throw DataFormatException.NotFiniteAt(path, row, column, points[row, column].to(ScalarType.Float64).item<double>());
        }
        if (dtype is { } wanted && wanted != points.dtype)
            points = points.to(wanted);

        Tensor? labels = null;
        var numClasses = 0;
        var labelsPath = LabelsPath(path);
        if (File.Exists(labelsPath))
        {
            labels = NpyFile.Read(labelsPath);
            if (labels.dtype is not (ScalarType.Int64 or ScalarType.Int32))
                throw DataFormatException.UnsupportedDtype(labelsPath, Descr(labels.dtype), LabelTypes, "labels");
            if (labels.dim() != 1)
                throw DataFormatException.UnsupportedShape(labelsPath, labels.shape, "(n,): one label per point");
            if (labels.shape[0] != points.shape[0])
                throw DataFormatException.LabelCountMismatch(labelsPath, labels.shape[0], path, points.shape[0]);
            labels = labels.to(ScalarType.Int64);
            var bad = labels.lt(0).logical_or(labels.gt(PointCloudFiles.MaxLabel));
            if (bad.any().item<bool>())
            {
                var index = bad.nonzero()[0, 0].item<long>();
                throw DataFormatException.BadLabelAt(labelsPath, index, labels[index].item<long>());
            }
            numClasses = (int)(labels.max().item<long>() + 1);
            labels = labels.MoveToOuterDisposeScope();
        }
        return new PointCloud(points.MoveToOuterDisposeScope(), labels, numClasses) { ImageShape = imageShape };
    }

    /// <summary>
    /// Writes the points of <paramref name="cloud"/> to <paramref name="path"/> in their own dtype
    /// (float32 or float64), as (n, C, H, W) when the cloud has an image shape, and its labels, if any, as int64 to <see cref="LabelsPath"/>. A stale
    /// labels file from an earlier, labelled cloud is deleted when this cloud has no labels. Both
    /// files are encoded before either is touched, then each is replaced atomically.
    /// </summary>
    public static void Write(string path, PointCloud cloud)
    {
        PointCloudFiles.CheckWritable(cloud);
        byte[] pointBytes;
        using (NewDisposeScope())
            pointBytes = NpyFile.Encode(cloud.PointsInTheirShape());
        byte[]? labelBytes = null;
        if (cloud.Labels is { } labels)
        {
            using var scope = NewDisposeScope();
            labelBytes = NpyFile.Encode(labels.to(ScalarType.Int64));
        }

        var labelsPath = LabelsPath(path);
        if (labelBytes is not null)
            AtomicFile.WriteAllBytes(labelsPath, labelBytes);
        else if (File.Exists(labelsPath))
            File.Delete(labelsPath);
        AtomicFile.WriteAllBytes(path, pointBytes);
    }

    private static string Descr(ScalarType type) => type switch
    {
        ScalarType.Float32 => "<f4",
        ScalarType.Float64 => "<f8",
        ScalarType.Int32 => "<i4",
        ScalarType.Int64 => "<i8",
        _ => type.ToString(),
    };
}
