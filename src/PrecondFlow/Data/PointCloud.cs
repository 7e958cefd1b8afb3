using static TorchSharp.torch;

namespace PrecondFlow.Data;

/// <summary>A set of points with optional class labels; each point may be a flattened image (see <see cref="ImageShape"/>).</summary>
/// <param name="Points">(n, dim) floating-point tensor.</param>
/// <param name="Labels">(n) int64 class labels in [0, NumClasses), or null.</param>
/// <param name="NumClasses">Number of classes when labelled, else 0.</param>
public sealed record PointCloud(Tensor Points, Tensor? Labels = null, int NumClasses = 0)
{
    /// <summary>n, the number of points (rows of <see cref="Points"/>).</summary>
    public long Count => Points.shape[0];

    /// <summary>dim, the number of coordinates per point (columns of <see cref="Points"/>).</summary>
    public int Dim => (int)Points.shape[1];

    /// <summary>Whether <see cref="Labels"/> is set.</summary>
    public bool HasLabels => Labels is not null;

    /// <summary>(C, H, W) when each point is a C×H×W image flattened in C order (C·H·W = <see cref="Dim"/>), else null.</summary>
    public int[]? ImageShape { get; init; }

    /// <summary>The points as (n, C, H, W) images when <see cref="ImageShape"/> is set, else the (n, dim) points themselves.</summary>
    public Tensor PointsInTheirShape() =>
        ImageShape is { } shape ? Points.reshape(Count, shape[0], shape[1], shape[2]) : Points;
}
