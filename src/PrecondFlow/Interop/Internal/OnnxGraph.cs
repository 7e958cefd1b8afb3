using static TorchSharp.torch;

namespace PrecondFlow.Interop.Internal;

/// <summary>
/// An ONNX graph under construction, written as a ModelProto (onnx.proto's field numbers) with <see cref="ProtoMessage"/>:
/// float32 inputs, outputs and initializers, and nodes of the default domain.
/// </summary>
internal sealed class OnnxGraph(string name)
{
    /// <summary>The operator set the graph uses; ONNX Runtime and onnx.checker 1.12 know it.</summary>
    public const int Opset = 17;
    /// <summary>The IR version that goes with <see cref="Opset"/>.</summary>
    public const int IrVersion = 8;

    // TensorProto.DataType
    public const int Float = 1;
    public const int Int64 = 7;

    private readonly List<ProtoMessage> nodes = [];
    private readonly List<ProtoMessage> initializers = [];
    private readonly List<ProtoMessage> inputs = [];
    private readonly List<ProtoMessage> outputs = [];
    private int counter;

    /// <summary>A graph input of the given element type; dimensions are sizes, or null for the batch dimension "batch".</summary>
    public string Input(string inputName, int elementType, params long?[] dims)
    {
        inputs.Add(ValueInfo(inputName, elementType, dims));
        return inputName;
    }

    /// <summary>Declares <paramref name="valueName"/> a graph output.</summary>
    public void Output(string valueName, int elementType, params long?[] dims) => outputs.Add(ValueInfo(valueName, elementType, dims));

    /// <summary>A constant from a tensor (copied to the CPU, float32 or int64 kept as they are).</summary>
    public string Constant(string hint, Tensor value)
    {
        var constName = Fresh(hint);
        using var cpu = value.detach().cpu().contiguous();
        var type = cpu.dtype switch
        {
            ScalarType.Float32 => Float,
            ScalarType.Int64 => Int64,
            _ => throw new ArgumentException($"ONNX export keeps float32 and int64 constants; '{hint}' is {cpu.dtype}."),
        };
        var tensor = new ProtoMessage();
        foreach (var d in cpu.shape)
            tensor.Int64(1, d);                 // dims
        tensor.Int64(2, type);                  // data_type
        tensor.String(8, constName);            // name
        tensor.Bytes(9, cpu.numel() == 0 ? [] : cpu.bytes.ToArray());   // raw_data, little-endian
        initializers.Add(tensor);
        return constName;
    }

    /// <summary>A 1-D int64 constant (axes, starts, shapes, gather indices).</summary>
    public string Ints(string hint, params long[] values)
    {
        using var value = tensor(values, ScalarType.Int64);
        return Constant(hint, value);
    }

    /// <summary>A float32 scalar constant (broadcasts against any tensor).</summary>
    public string Scalar(string hint, double value)
    {
        using var scalar = tensor((float)value);
        return Constant(hint, scalar);
    }

    /// <summary>Columns [start, start + length) of a (batch, n) value.</summary>
    public string Columns(string value, long start, long length) =>
        Node("Slice", [value, Ints("start", start), Ints("end", start + length), Ints("axis", 1)]);

    /// <summary>A (batch) vector filled with <paramref name="value"/>, one entry per row of the (batch, n) value
    /// <paramref name="like"/>.</summary>
    public string PerRow(string like, double value)
    {
        using var fill = tensor(new[] { (float)value });
        var rows = Node("Shape", [like], ("start", 0L), ("end", 1L));
        return Node("Expand", [Constant("fill", fill), rows]);
    }

    /// <summary>Adds a node and returns the name of its (single) output.</summary>
    public string Node(string opType, string[] nodeInputs, params (string Name, object Value)[] attributes) =>
        NamedNode(Fresh(opType.ToLowerInvariant()), opType, nodeInputs, attributes);

    /// <summary>Adds a node whose output has the given name (e.g. a graph output's).</summary>
    public string NamedNode(string output, string opType, string[] nodeInputs, params (string Name, object Value)[] attributes)
    {
        var node = new ProtoMessage();
        foreach (var input in nodeInputs)
            node.String(1, input);
        node.String(2, output);
        node.String(3, output + "_node");
        node.String(4, opType);
        foreach (var (attributeName, value) in attributes)
        {
            var attribute = new ProtoMessage().String(1, attributeName);
            switch (value)
            {
                case float f:
                    attribute.Float(2, f).Int64(20, 1);    // f, type FLOAT
                    break;
                case long i:
                    attribute.Int64(3, i).Int64(20, 2);    // i, type INT
                    break;
                default:
                    throw new ArgumentException($"Unsupported attribute type {value.GetType().Name}.");
            }
            node.Message(5, attribute);
        }
        nodes.Add(node);
        return output;
    }

    /// <summary>The serialized ModelProto.</summary>
    public byte[] ToModel(string producerVersion, string docString)
    {
        var graph = new ProtoMessage();
        foreach (var node in nodes)
            graph.Message(1, node);
        graph.String(2, name);
        foreach (var initializer in initializers)
            graph.Message(5, initializer);
        graph.String(10, docString);
        foreach (var input in inputs)
            graph.Message(11, input);
        foreach (var output in outputs)
            graph.Message(12, output);
        return new ProtoMessage()
            .Int64(1, IrVersion)
            .String(2, "PrecondFlow")
            .String(3, producerVersion)
            .Message(7, graph)
            .Message(8, new ProtoMessage().String(1, "").Int64(2, Opset))
            .ToArray();
    }

    private string Fresh(string hint) => $"{hint}_{counter++}";

    private static ProtoMessage ValueInfo(string valueName, int elementType, long?[] dims)
    {
        var shape = new ProtoMessage();
        foreach (var d in dims)
            shape.Message(1, d is { } size ? new ProtoMessage().Int64(1, size) : new ProtoMessage().String(2, "batch"));
        var tensorType = new ProtoMessage().Int64(1, elementType).Message(2, shape);
        return new ProtoMessage().String(1, valueName).Message(2, new ProtoMessage().Message(1, tensorType));
    }
}
