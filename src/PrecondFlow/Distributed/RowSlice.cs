namespace PrecondFlow.Distributed;

/// <summary>
/// The contiguous rows of a global minibatch that one process computes the loss on. Rank r of W takes rows
/// ⌊rB/W⌋ … ⌊(r+1)B/W⌋ − 1, so the slices tile the batch in order and differ in size by at most one row.
/// </summary>
/// <param name="Start">First row of the slice.</param>
/// <param name="Length">Rows in the slice (at least one: the batch has at least as many rows as processes).</param>
/// <param name="GlobalBatch">Rows of the whole minibatch.</param>
/// <param name="WorldSize">Processes sharing it.</param>
public readonly record struct RowSlice(long Start, long Length, long GlobalBatch, int WorldSize)
{
    /// <summary>
    /// The factor of a slice's mean loss, Length·W/B: averaged over the processes (as the gradients are), the weighted
    /// slice means give Σ_r Length_r/B · mean_r, the mean over the whole batch, also when the slices differ in size.
    /// </summary>
    public double LossWeight => (double)Length * WorldSize / GlobalBatch;

    /// <summary>Whether the slice is the whole batch (one process): then nothing needs slicing or weighting.</summary>
    public bool IsWhole => Length == GlobalBatch;

    /// <summary>The slice of rank <paramref name="rank"/> of <paramref name="worldSize"/> in a batch of <paramref name="globalBatch"/> rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The batch has fewer rows than processes.</exception>
    public static RowSlice Of(long globalBatch, int rank, int worldSize)
    {
        if (worldSize < 1 || rank < 0 || rank >= worldSize)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"Rank {rank} is not one of {worldSize} processes.");
        if (globalBatch < worldSize)
            throw new ArgumentOutOfRangeException(nameof(globalBatch), globalBatch,
                $"A batch of {globalBatch} rows cannot be shared by {worldSize} processes; use --batch-size {worldSize} or more (it is the global batch).");
        long start = globalBatch * rank / worldSize;
        long end = globalBatch * (rank + 1) / worldSize;
        return new RowSlice(start, end - start, globalBatch, worldSize);
    }
}
