using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>
/// A flat list of named tensors in TorchSharp's own tensor format (<see cref="TensorExtensionMethods.Save(Tensor, BinaryWriter)"/>):
/// an entry count, then for each entry its name and the tensor. Used for maps whose parameters are not a module.
/// Disposing the list disposes every tensor that was not taken out of it.
/// </summary>
internal sealed class NamedTensors : IDisposable
{
    /// <summary>More entries than this means the file is not ours.</summary>
    private const int MaxEntries = 1024;

    private readonly Dictionary<string, Tensor> entries = [];

    public static void Write(BinaryWriter writer, IReadOnlyList<(string Name, Tensor Value)> tensors)
    {
        writer.Write(tensors.Count);
        foreach (var (name, value) in tensors)
        {
            writer.Write(name);
            value.Save(writer);
        }
    }

    public static NamedTensors Read(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0 || count > MaxEntries)
            throw new InvalidDataException($"the entry count {count} is not plausible.");
        var result = new NamedTensors();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var tensor = TensorExtensionMethods.Load(reader);
                if (!result.entries.TryAdd(name, tensor))
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"the tensor '{name}' appears twice.");
                }
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Takes the named tensor out of the list (the caller owns it) after checking its dtype and shape.</summary>
    public Tensor Take(string name, ScalarType dtype, params long[] shape)
    {
        if (!entries.TryGetValue(name, out var tensor))
            throw new InvalidDataException($"the tensor '{name}' is missing.");
        if (tensor.dtype != dtype || !tensor.shape.SequenceEqual(shape))
            throw new InvalidDataException(
                $"the tensor '{name}' should be {dtype} [{string.Join(", ", shape)}]; " +
                $"found {tensor.dtype} [{string.Join(", ", tensor.shape)}].");
        entries.Remove(name);
        return tensor;
    }

    public void Dispose()
    {
        foreach (var tensor in entries.Values)
            tensor.Dispose();
        entries.Clear();
    }
}
