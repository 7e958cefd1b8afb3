using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// Minibatch indices that visit every example once per epoch: a fresh seeded permutation at the start of each epoch,
/// cut into batches, the last one shorter when the batch size does not divide the count.
/// </summary>
internal sealed class EpochBatches : IDisposable
{
    private readonly long count;
    private readonly int batchSize;
    private readonly Generator generator;
    private Tensor? order;

    /// <param name="count">Examples per epoch.</param>
    /// <param name="batchSize">Examples per batch.</param>
    /// <param name="generator">Draws the permutations (the caller's stream, so the order follows its seed).</param>
    public EpochBatches(long count, int batchSize, Generator generator)
    {
        this.count = count;
        this.batchSize = batchSize;
        this.generator = generator;
        StepsPerEpoch = (int)((count + batchSize - 1) / batchSize);
    }

    /// <summary>Batches per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>(batch) int64 indices of the 0-based <paramref name="step"/>; steps must come in order.</summary>
    public Tensor Indices(int step)
    {
        long start = step % StepsPerEpoch * (long)batchSize;
        if (start == 0)
        {
            order?.Dispose();
            order = randperm(count, generator: generator).DetachFromDisposeScope();
        }
        return order!.narrow(0, start, Math.Min(batchSize, count - start));
    }

    /// <summary>Frees the current permutation.</summary>
    public void Dispose() => order?.Dispose();
}
