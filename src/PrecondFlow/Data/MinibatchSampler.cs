using static TorchSharp.torch;

namespace PrecondFlow.Data;

/// <summary>
/// Draws minibatches of a point cloud with its own seeded generator, on the data's device.
/// <see cref="Next"/> samples with replacement (torch.randint), the usual choice for flow-matching
/// training; <see cref="NextShuffled"/> walks through random permutations, one per epoch, so that
/// each point is used exactly once per epoch. Both share the generator, so the sequence of batches
/// is fixed by the seed and by the order of the calls. The batches' tensors belong to the caller's
/// dispose scope: call these methods inside the training step's scope.
/// </summary>
public sealed class MinibatchSampler : IDisposable
{
    private readonly Generator generator;
    private Tensor? permutation;
    private long position;

    /// <param name="data">The cloud to draw from: points (n, ...) with n ≥ 1, labels (n) or none. Not copied.</param>
    /// <param name="batchSize">Points per batch (≥ 1).</param>
    /// <param name="seed">Seed of the sampler's own generator.</param>
    public MinibatchSampler(PointCloud data, long batchSize, long seed)
    {
        if (data.Points.dim() < 1 || data.Points.shape[0] < 1)
            throw new ArgumentException("A minibatch sampler needs at least one point.", nameof(data));
        if (data.Labels is { } labels && (labels.dim() != 1 || labels.shape[0] != data.Points.shape[0]))
            throw new ArgumentException(
                $"Labels must have shape ({data.Points.shape[0]}), one per point; got ({string.Join(", ", labels.shape)}).", nameof(data));
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"The batch size must be at least 1; got {batchSize}.");
        Data = data;
        BatchSize = batchSize;
        generator = new Generator(unchecked((ulong)seed), data.Points.device);
    }

    public PointCloud Data { get; }

    public long BatchSize { get; }

    /// <summary>Number of batches <see cref="NextShuffled"/> makes of one epoch: ⌈n / BatchSize⌉.</summary>
    public long BatchesPerEpoch => (Data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Epochs that <see cref="NextShuffled"/> has finished.</summary>
    public long EpochsCompleted { get; private set; }

    /// <summary>
    /// <see cref="BatchSize"/> points drawn uniformly with replacement: points (BatchSize, ...) and,
    /// when the data are labelled, the matching (BatchSize) labels.
    /// </summary>
    public PointCloud Next()
    {
        using var scope = NewDisposeScope();
        var index = randint(0, Data.Count, [BatchSize], ScalarType.Int64, Data.Points.device, generator: generator);
        return Take(index);
    }

    /// <summary>
    /// The next batch of the current epoch, a random permutation of all points drawn when the epoch
    /// starts; the last batch of an epoch holds the n mod BatchSize remaining points when that is
    /// not zero.
    /// </summary>
    public PointCloud NextShuffled()
    {
        using var scope = NewDisposeScope();
        if (permutation is null)
        {
            permutation = randperm(Data.Count, ScalarType.Int64, Data.Points.device, generator: generator).DetachFromDisposeScope();
            position = 0;
        }
        var length = Math.Min(BatchSize, Data.Count - position);
        var index = permutation.narrow(0, position, length);
        position += length;
        if (position == Data.Count)
        {
            permutation.Dispose();
            permutation = null;
            EpochsCompleted++;
        }
        return Take(index);
    }

    private PointCloud Take(Tensor index)
    {
        var points = Data.Points.index_select(0, index).MoveToOuterDisposeScope();
        var labels = Data.Labels?.index_select(0, index).MoveToOuterDisposeScope();
        return new PointCloud(points, labels, Data.NumClasses);
    }

    public void Dispose()
    {
        permutation?.Dispose();
        generator.Dispose();
    }
}
