using System.Text;
using static TorchSharp.torch;

namespace PrecondFlow.Distributed;

/// <summary>
/// Hands what rank 0 alone knows (a decision about a file, a file's contents, weights it read) to every process, so
/// that the processes take the same branch and compute with the same bytes. Every method is collective: each process
/// calls it, in the same order; what the other ranks pass is ignored.
/// </summary>
public static class RootBroadcast
{
    /// <summary>Rank 0's <paramref name="value"/> on every process.</summary>
    public static bool Flag(ICommunicator communicator, bool value)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (communicator.WorldSize == 1)
            return value;
        return communicator.Broadcast([value ? (byte)1 : (byte)0])[0] == 1;
    }

    /// <summary>Rank 0's <paramref name="text"/> on every process (the others may pass null).</summary>
    public static string Text(ICommunicator communicator, string? text)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (communicator.WorldSize == 1)
            return text ?? throw new ArgumentNullException(nameof(text));
        var bytes = communicator.Rank == 0 ? Encoding.UTF8.GetBytes(text ?? throw new ArgumentNullException(nameof(text))) : [];
        return Encoding.UTF8.GetString(communicator.Broadcast(bytes));
    }

    /// <summary>Rank 0's tensor, bit for bit, on every process: on rank 0 the tensor given, elsewhere a new CPU tensor of
    /// its shape and dtype (the others may pass null).</summary>
    public static Tensor Tensor(ICommunicator communicator, Tensor? tensor)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (communicator.Rank == 0)
            ArgumentNullException.ThrowIfNull(tensor);
        if (communicator.WorldSize == 1)
            return tensor!;
        var bytes = communicator.Broadcast(communicator.Rank == 0 ? Pack(tensor!) : []);
        return communicator.Rank == 0 ? tensor! : Unpack(bytes);
    }

    /// <summary>Copies rank 0's parameters and buffers into <paramref name="module"/> on every other process: a network
    /// that rank 0 read from a file, on processes that built the same architecture.</summary>
    /// <exception cref="InvalidOperationException">The architectures differ (another tensor count or shape).</exception>
    public static void Module(ICommunicator communicator, nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(module);
        if (communicator.WorldSize == 1)
            return;
        var state = module.state_dict().ToArray();
        int count = BitConverter.ToInt32(communicator.Broadcast(BitConverter.GetBytes(state.Length)));
        if (count != state.Length)
            throw new InvalidOperationException(
                $"Rank 0's network has {count} tensors, rank {communicator.Rank}'s {state.Length}: the processes built different architectures.");
        using var _ = no_grad();
        foreach (var (name, target) in state)
        {
            var received = Tensor(communicator, communicator.Rank == 0 ? target : null);
            if (communicator.Rank == 0)
                continue;   // rank 0 got its own tensor back
            using (received)
            {
                if (!received.shape.SequenceEqual(target.shape))
                    throw new InvalidOperationException(
                        $"Rank 0's '{name}' has shape [{string.Join(", ", received.shape)}], rank {communicator.Rank}'s " +
                        $"[{string.Join(", ", target.shape)}]: the processes built different architectures.");
                target.copy_(received);
            }
        }
    }

    /// <summary>dtype, rank, shape, then the contiguous bytes.</summary>
    private static byte[] Pack(Tensor tensor)
    {
        using var host = tensor.detach().cpu().contiguous();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write((int)host.dtype);
            writer.Write(host.shape.Length);
            foreach (var size in host.shape)
                writer.Write(size);
            writer.Write(host.bytes);
        }
        return stream.ToArray();
    }

    private static Tensor Unpack(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var dtype = (ScalarType)reader.ReadInt32();
        var shape = new long[reader.ReadInt32()];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = reader.ReadInt64();
        var tensor = empty(shape, dtype: dtype);
        tensor.bytes = reader.ReadBytes((int)(bytes.Length - reader.BaseStream.Position));
        return tensor;
    }
}
