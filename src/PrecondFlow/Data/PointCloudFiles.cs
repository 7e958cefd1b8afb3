using PrecondFlow.Data.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Data;

/// <summary>
/// Reads and writes point clouds, choosing the format by the file's extension:
/// <c>.csv</c> (<see cref="PointCloudCsv"/>) or <c>.npy</c> (<see cref="PointCloudNpy"/>, labels in
/// the sibling <c>X.labels.npy</c>). Writes are atomic: a failed write leaves the old file, or none.
/// Labels survive a round trip, NumClasses is read back as max label + 1.
/// </summary>
public static class PointCloudFiles
{
    /// <summary>The largest class label a file may hold, so that NumClasses fits an int.</summary>
    public const long MaxLabel = int.MaxValue - 1;

    /// <summary>The file extensions understood by <see cref="Read"/> and <see cref="Write"/>.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".csv", ".npy"];

    /// <summary>
    /// Reads the point cloud in <paramref name="path"/>. <paramref name="dtype"/> (Float32 or Float64)
    /// sets the points' type; when null, CSV gives Float32 and NPY keeps the type stored in the file.
    /// </summary>
    /// <exception cref="DataFormatException">An unsupported extension, or any problem with the file.</exception>
    public static PointCloud Read(string path, ScalarType? dtype = null)
    {
        CheckDtype(dtype);
        return Extension(path) switch
        {
            ".csv" => PointCloudCsv.Read(path, dtype ?? ScalarType.Float32),
            ".npy" => PointCloudNpy.Read(path, dtype),
            _ => throw DataFormatException.UnsupportedExtension(path, Extensions),
        };
    }

    /// <summary>Writes <paramref name="cloud"/> to <paramref name="path"/> in the format its extension names.</summary>
    /// <exception cref="DataFormatException">An unsupported extension.</exception>
    /// <exception cref="ArgumentException">A cloud that the readers would reject (see <see cref="CheckWritable"/>).</exception>
    public static void Write(string path, PointCloud cloud)
    {
        switch (Extension(path))
        {
            case ".csv":
                PointCloudCsv.Write(path, cloud);
                break;
            case ".npy":
                PointCloudNpy.Write(path, cloud);
                break;
            default:
                throw DataFormatException.UnsupportedExtension(path, Extensions);
        }
    }

    private static string Extension(string path) => Path.GetExtension(path).ToLowerInvariant();

    internal static void CheckDtype(ScalarType? dtype)
    {
        if (dtype is null or ScalarType.Float32 or ScalarType.Float64)
            return;
        throw new ArgumentOutOfRangeException(nameof(dtype), dtype,
            $"Point clouds are read as Float32 or Float64; got {dtype}.");
    }

    /// <summary>
    /// Rejects, before any file is touched, a cloud that could not be read back: points must be a
    /// non-empty (n, d) float32 or float64 tensor of finite values; an image shape, if any, three positive sizes whose
    /// product is d; labels, if any, an integer (n)
    /// tensor with values in [0, <see cref="MaxLabel"/>].
    /// </summary>
    internal static void CheckWritable(PointCloud cloud)
    {
        using var scope = NewDisposeScope();
        var points = cloud.Points;
        PointChecks.Points(points, nameof(cloud), "Writing a point cloud");
        if (cloud.ImageShape is { } shape && (shape.Length != 3 || shape.Any(extent => extent < 1) || (long)shape[0] * shape[1] * shape[2] != cloud.Dim))
            throw new ArgumentException(
                $"Writing a point cloud: the image shape ({string.Join(", ", shape)}) does not hold the {cloud.Dim} coordinates of a point; " +
                "give three positive sizes C, H, W with C·H·W = dim.", nameof(cloud));
        var finite = isfinite(points);
        if (!finite.all().item<bool>())
        {
            var first = logical_not(finite).nonzero()[0];
            long row = first[0].item<long>(), column = first[1].item<long>();
            throw new ArgumentException(
                $"Point {row}, coordinate {column} (counting from 0) is {points[row, column].to(ScalarType.Float64).item<double>()}; " +
                "only finite points can be written, because the readers reject NaN and infinity.", nameof(cloud));
        }

        if (cloud.Labels is not { } labels)
            return;
        PointChecks.Labels(points, labels, "Writing a point cloud", nameof(cloud));
        if (labels.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException(
                $"Writing a point cloud: labels must be Int64 (or Int32) to be written; got {labels.dtype}.", nameof(cloud));
        var bad = labels.lt(0).logical_or(labels.gt(MaxLabel));
        if (bad.any().item<bool>())
        {
            var index = bad.nonzero()[0, 0].item<long>();
            throw new ArgumentException(
                $"Label {index} (counting from 0) is {labels[index].item<long>()}; labels are whole numbers from 0 up to {MaxLabel}.",
                nameof(cloud));
        }
    }
}
