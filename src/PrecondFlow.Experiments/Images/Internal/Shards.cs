using PrecondFlow.Distributed;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images.Internal;

/// <summary>
/// An embarrassingly parallel stage of an image experiment (encoding, decoding, classifying, sampling) spread over the
/// processes of a run: each process computes its contiguous rows (<see cref="RowSlice"/>), and the results are gathered in
/// rank order, bit for bit what each process computed, so that everything computed from them is the same on every process.
/// One process computes all rows at once, exactly as without sharding.
/// </summary>
internal sealed class Shards(ICommunicator communicator)
{
    /// <summary>One process: every stage computes all rows.</summary>
    public static Shards One { get; } = new(SingleProcess.Instance);

    /// <summary>This process's rows of <paramref name="count"/>, or null when it computes all of them (one process, or
    /// fewer rows than processes, when every process computes them all).</summary>
    public RowSlice? RowsOf(long count) => communicator.WorldSize > 1 && count >= communicator.WorldSize
        ? RowSlice.Of(count, communicator.Rank, communicator.WorldSize)
        : null;

    /// <summary>The rows <paramref name="rows"/> of <paramref name="all"/> (all of them when null).</summary>
    public static Tensor Mine(Tensor all, RowSlice? rows) => rows is { } r ? all.narrow(0, r.Start, r.Length) : all;

    /// <summary>Every process's rows of a result, in rank order, on the device of <paramref name="mine"/>; when
    /// <paramref name="rows"/> is null (this process computed all rows), <paramref name="mine"/> itself.</summary>
    public Tensor Gather(Tensor mine, RowSlice? rows) =>
        rows is null ? mine : RowGather.AllGather(communicator, mine).to(mine.device);

    /// <summary><paramref name="map"/> of every row of <paramref name="all"/>: each process maps its rows, then they are gathered.</summary>
    /// <param name="map">A row-wise function: row i of its result depends on row i of its argument only.</param>
    public Tensor Map(Tensor all, Func<Tensor, Tensor> map)
    {
        var rows = RowsOf(all.shape[0]);
        return Gather(map(Mine(all, rows)), rows);
    }
}
