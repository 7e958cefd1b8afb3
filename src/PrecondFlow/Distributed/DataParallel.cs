namespace PrecondFlow.Distributed;

/// <summary>
/// How a training loop shares its work between the processes of a run: every process draws the same global minibatch
/// from the same generator, computes the loss on its own <see cref="RowSlice"/>, and the gradients are averaged with one
/// all-reduction per step before clipping, so that every process takes the same optimizer step. Every
/// <see cref="WeightCheckEvery"/> steps a hash of the weights is compared across processes.
/// </summary>
public sealed class DataParallel
{
    /// <param name="communicator">The processes of the run.</param>
    /// <param name="weightCheckEvery">Steps between comparisons of the weights' hash across processes.</param>
    public DataParallel(ICommunicator communicator, int weightCheckEvery = 100)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (weightCheckEvery < 1)
            throw new ArgumentOutOfRangeException(nameof(weightCheckEvery), weightCheckEvery, "Compare the weights at least every step (weightCheckEvery >= 1).");
        Communicator = communicator;
        WeightCheckEvery = weightCheckEvery;
    }

    /// <summary>The processes of the run.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>Steps between comparisons of the weights' hash across processes.</summary>
    public int WeightCheckEvery { get; }

    /// <summary>Seconds spent in gradient all-reductions so far (copies to and from the flat buffer included).</summary>
    public double CommunicationSeconds { get; internal set; }

    /// <summary>Gradient all-reductions done so far.</summary>
    public int Reductions { get; internal set; }

    /// <summary>This process's rows of a global minibatch of <paramref name="globalBatch"/> rows.</summary>
    public RowSlice RowsOf(long globalBatch) => RowSlice.Of(globalBatch, Communicator.Rank, Communicator.WorldSize);
}
