using static TorchSharp.torch;

namespace PrecondFlow.IO;

/// <summary>
/// The tensors and metadata of one safetensors file, as read by <see cref="SafeTensors.Read"/>. Tensors are taken out
/// by name with their expected dtype and shape checked; disposing the content disposes the ones not taken.
/// </summary>
public sealed class SafeTensorsContent : IDisposable
{
    private readonly Dictionary<string, Tensor> tensors;

    internal SafeTensorsContent(string path, Dictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        this.tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file, for messages.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The names of the tensors not yet taken, in ordinal order.</summary>
    public IReadOnlyList<string> Names => tensors.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The metadata entry <paramref name="key"/>.</summary>
    /// <exception cref="InvalidDataException">The file has no such entry; the message names the file and the key.</exception>
    public string RequireMetadata(string key) => Metadata.TryGetValue(key, out var value)
        ? value
        : throw new InvalidDataException($"{Path}: '{SafeTensors.MetadataKey}.{key}' is missing.");

    /// <summary>Takes the named tensor out (the caller owns it) after checking its dtype and shape.</summary>
    /// <param name="name">The tensor's name in the file.</param>
    /// <param name="dtype">The dtype it must have.</param>
    /// <param name="shape">The shape it must have.</param>
    /// <exception cref="InvalidDataException">The tensor is missing or has another dtype or shape; the message names the
    /// file and the tensor and says what was expected.</exception>
    public Tensor Take(string name, ScalarType dtype, long[] shape)
    {
        if (!tensors.TryGetValue(name, out var tensor))
            throw new InvalidDataException($"{Path}: tensor '{name}' is missing; expected {dtype} [{string.Join(", ", shape)}].");
        if (tensor.dtype != dtype || !tensor.shape.SequenceEqual(shape))
            throw new InvalidDataException(
                $"{Path}: tensor '{name}' should be {dtype} [{string.Join(", ", shape)}]; found {tensor.dtype} [{string.Join(", ", tensor.shape)}].");
        tensors.Remove(name);
        return tensor;
    }

    /// <summary>Takes every tensor not yet taken out, in ordinal order of their names (the caller owns them).</summary>
    public IReadOnlyList<(string Name, Tensor Value)> TakeAll()
    {
        var all = Names.Select(n => (n, tensors[n])).ToArray();
        tensors.Clear();
        return all;
    }

    /// <summary>Disposes the tensors not taken.</summary>
    public void Dispose()
    {
        foreach (var tensor in tensors.Values)
            tensor.Dispose();
        tensors.Clear();
    }
}
