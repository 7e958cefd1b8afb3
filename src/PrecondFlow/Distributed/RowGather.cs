using static TorchSharp.torch;

namespace PrecondFlow.Distributed;

/// <summary>
/// Puts the rows that the processes computed (each its contiguous <see cref="RowSlice"/>) back together, in rank order,
/// on every process: the result of an embarrassingly parallel stage, bit for bit what each process sent.
/// </summary>
public static class RowGather
{
    /// <summary>Every process's rows, concatenated in rank order.</summary>
    /// <param name="communicator">The processes of the run.</param>
    /// <param name="rows">(n_r, ...) this process's rows; the trailing shape and the dtype must be the same everywhere.</param>
    /// <returns>(Σ n_r, ...) on the CPU, of <paramref name="rows"/>'s dtype.</returns>
    /// <exception cref="InvalidOperationException">The processes sent rows of different shapes.</exception>
    public static Tensor AllGather(ICommunicator communicator, Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = NewDisposeScope();
        var host = rows.detach().cpu().contiguous();
        if (communicator.WorldSize == 1)
            return host.clone().MoveToOuterDisposeScope();
        long[] trailing = host.shape[1..];
        long rowBytes = host.ElementSize * trailing.Aggregate(1L, (a, b) => a * b);
        var gathered = communicator.AllGather(host.bytes.ToArray());
        var parts = new List<Tensor>(gathered.Length);
        for (int rank = 0; rank < gathered.Length; rank++)
        {
            var bytes = gathered[rank];
            if (rowBytes > 0 && bytes.Length % rowBytes != 0)
                throw new InvalidOperationException(
                    $"Rank {rank} sent {bytes.Length} bytes, not whole rows of {rowBytes} bytes: the processes computed rows of different shapes.");
            long count = rowBytes == 0 ? 0 : bytes.Length / rowBytes;
            var part = empty([count, .. trailing], dtype: host.dtype);
            part.bytes = bytes;
            parts.Add(part);
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }
}
