using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>
/// A synthetic distribution that can be sampled without any file: the 2D sets of the
/// flow-matching literature and Gaussians with known parameters. All randomness comes from the
/// generator passed in, so a seed fixes the sample bit for bit. Points are drawn in float64 and
/// then converted, so a float32 sample is the rounded float64 sample for the same seed.
/// </summary>
public abstract class ToyDataset
{
    /// <summary>The registry name (see <see cref="ToyDatasets.Names"/>).</summary>
    public abstract string Name { get; }

    /// <summary>Dimension d of each point.</summary>
    public virtual int Dim => 2;

    /// <summary>Number of classes of the labels, or 0 when the samples are unlabelled.</summary>
    public virtual int NumClasses => 0;

    /// <summary>
    /// Draws <paramref name="count"/> points: (count, Dim) of <paramref name="dtype"/> on the
    /// generator's device, with (count) int64 labels in [0, NumClasses) when labelled.
    /// </summary>
    public PointCloud Sample(long count, Generator generator, ScalarType dtype = ScalarType.Float32)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A sample of '{Name}' needs at least one point; got {count}.");
        if (!is_floating_point(dtype))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype,
                $"Points are floating point: use Float32 (the default) or Float64; got {dtype}.");

        using var scope = NewDisposeScope();
        var (points, labels) = SampleFloat64(count, generator);
        return new PointCloud(points.to(dtype).MoveToOuterDisposeScope(), labels?.MoveToOuterDisposeScope(), NumClasses);
    }

    /// <summary>Draws <paramref name="count"/> points on the CPU with a fresh generator seeded by <paramref name="seed"/>.</summary>
    public PointCloud Sample(long count, long seed, ScalarType dtype = ScalarType.Float32)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        return Sample(count, generator, dtype);
    }

    /// <summary>
    /// The sampler proper: (count, Dim) float64 points and (count) int64 labels (null when
    /// unlabelled), both on <c>generator.device</c>, using only <paramref name="generator"/>.
    /// </summary>
    protected abstract (Tensor Points, Tensor? Labels) SampleFloat64(long count, Generator generator);
}
