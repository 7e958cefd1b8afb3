using PrecondFlow.Fields;
using PrecondFlow.Interop.Internal;
using PrecondFlow.IO;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Interop;

/// <summary>
/// Writes the main flow's network of a model folder as an ONNX model (opset <see cref="Opset"/>), built message by
/// message with Google.Protobuf: inputs <c>x</c> (batch, dim) float32, <c>t</c> (batch, 1) float32 and, for a
/// class-conditional model, <c>labels</c> (batch) int64 in [0, classes] (the last meaning "no label"); output
/// <c>output</c> (batch, dim): the velocity of a flow-matching model (the predicted noise of a score-matching one). The
/// EMA weights are exported when the model kept them, as <c>sample</c> uses them. Any ONNX runtime can then integrate
/// dx/dt = v(x, t) from x ~ N(0, I) at t = 0 to t = 1; the preconditioner's P⁻¹ is a graph of its own
/// (<see cref="OnnxGraphKind.InversePreconditioner"/>, <see cref="WritePreconditioner"/>).
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set of the exported graph.</summary>
    public const int Opset = OnnxGraph.Opset;

    /// <summary>Exports the main flow of <paramref name="modelFolder"/> to <paramref name="outFile"/>, atomically.</summary>
    /// <param name="modelFolder">A folder written by <c>train</c>.</param>
    /// <param name="outFile">The .onnx file to write; an existing one is replaced.</param>
    /// <exception cref="FileNotFoundException">The folder is not a model folder.</exception>
    /// <exception cref="InvalidDataException">The folder is damaged; the message names the file.</exception>
    /// <exception cref="ArgumentException">The network is not an MLP (the linear field is not exported).</exception>
    public static void Write(string modelFolder, string outFile) => Write(modelFolder, outFile, OnnxGraphKind.Field);

    /// <summary>Exports one map of <paramref name="modelFolder"/> to <paramref name="outFile"/>, atomically: the main
    /// flow's network, or its preconditioner P or P⁻¹ (see <see cref="WritePreconditioner"/>).</summary>
    /// <param name="modelFolder">A folder written by <c>train</c>.</param>
    /// <param name="outFile">The .onnx file to write; an existing one is replaced.</param>
    /// <param name="graph">Which map.</param>
    /// <exception cref="FileNotFoundException">The folder is not a model folder.</exception>
    /// <exception cref="InvalidDataException">The folder is damaged; the message names the file.</exception>
    /// <exception cref="ArgumentException">The network is not an MLP, or the preconditioner is the flow preconditioner
    /// (an ODE solve, not a graph); nothing is written.</exception>
    public static void Write(string modelFolder, string outFile, OnnxGraphKind graph)
    {
        if (graph != OnnxGraphKind.Field)
        {
            using var model = PreconditionedModel.Load(modelFolder, CPU);
            try
            {
                WritePreconditioner(model.Preconditioner, outFile, graph == OnnxGraphKind.InversePreconditioner);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{modelFolder}: {e.Message}", e);
            }
            return;
        }
        var (field, manifest) = Checkpoint.LoadField(modelFolder, CPU);
        using (field)
        {
            if (field is not MlpVectorField mlp)
                throw new ArgumentException(
                    $"{modelFolder}: ONNX export writes MLP fields; this model's field is '{manifest.Model.Field.Kind}'.");
            var bytes = Build(mlp).ToModel(ProducerVersion,
                $"PrecondFlow main flow ({manifest.Model.Objective}, path {manifest.Model.Path}): output = network(x, t[, labels]).");
            AtomicFile.WriteAllBytes(outFile, bytes);
        }
    }

    /// <summary>
    /// Writes a fitted preconditioner as an ONNX graph (opset <see cref="Opset"/>), atomically. P: input <c>x</c>
    /// (batch, dim) float32 and, when the map is label-conditional, <c>labels</c> (batch) int64; outputs <c>z</c>
    /// (batch, dim) and <c>log_det</c> (batch), log|det ∂z/∂x|. P⁻¹ (<paramref name="inverse"/>): input <c>z</c>
    /// [+ <c>labels</c>], output <c>x</c>. Identity, whitening, class-conditional whitening, RealNVP (conditional or not)
    /// and chains of them are plain tensor graphs; the flow preconditioner is not and is refused.
    /// </summary>
    /// <param name="preconditioner">A fitted map; computed in float32, as TorchSharp does for a float32 input.</param>
    /// <param name="outFile">The .onnx file to write; an existing one is replaced.</param>
    /// <param name="inverse">Whether to write P⁻¹ instead of P.</param>
    /// <exception cref="ArgumentException">The map (or a chain member) is the flow preconditioner; nothing is written.</exception>
    public static void WritePreconditioner(IPreconditioner preconditioner, string outFile, bool inverse = false)
    {
        ArgumentNullException.ThrowIfNull(preconditioner);
        var graph = OnnxPreconditionerGraph.Build(preconditioner, inverse);
        var what = inverse ? "P⁻¹(z[, labels]) = x" : "P(x[, labels]) = (z, log_det)";
        AtomicFile.WriteAllBytes(outFile, graph.ToModel(ProducerVersion, $"PrecondFlow {preconditioner.Name} preconditioner: {what}."));
    }

    private static string ProducerVersion => typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "";

    private static OnnxGraph Build(MlpVectorField field)
    {
        var config = field.Config;
        var weights = field.state_dict();
        var graph = new OnnxGraph("precondflow_field");
        var x = graph.Input("x", OnnxGraph.Float, null, config.Dim);
        var t = graph.Input("t", OnnxGraph.Float, null, 1);
        var parts = new List<string> { x };
        if (config.Time == TimeEncoding.Raw)
        {
            parts.Add(t);
        }
        else
        {
            using var frequencies = TimeFeatures.Frequencies(config.TimeFeatures, ScalarType.Float32).unsqueeze(0);
            var angles = graph.Node("Mul", [t, graph.Constant("frequencies", frequencies)]);
            parts.Add(graph.Node("Sin", [angles]));
            parts.Add(graph.Node("Cos", [angles]));
        }
        if (config.NumClasses > 0)
        {
            var labels = graph.Input("labels", OnnxGraph.Int64, [null]);
            using var table = config.Labels == LabelEncoding.Embedding
                ? weights["labelEmbedding.weight"].detach().clone()
                : eye(config.NumClasses + 1, dtype: ScalarType.Float32);   // one-hot rows
            parts.Add(graph.Node("Gather", [graph.Constant("label_table", table), labels], ("axis", 0L)));
        }
        var h = graph.Node("Concat", parts.ToArray(), ("axis", 1L));
        var layers = config.HiddenWidths.Length + 1;
        for (var i = 0; i < layers; i++)
        {
            // The Sequential holds Linear, activation, Linear, ...: the Linear layers are its even entries.
            var w = graph.Constant($"network_{2 * i}_weight", weights[$"network.{2 * i}.weight"]);
            var b = graph.Constant($"network_{2 * i}_bias", weights[$"network.{2 * i}.bias"]);
            h = graph.Node("Gemm", [h, w, b], ("transB", 1L));
            if (i < layers - 1)
                h = Activation(graph, h, config.Activation);
        }
        graph.Output(graph.NamedNode("output", "Identity", [h]), OnnxGraph.Float, null, config.Dim);
        return graph;
    }

    private static string Activation(OnnxGraph graph, string h, string name)
    {
        switch (name)
        {
            case "silu":
                return graph.Node("Mul", [h, graph.Node("Sigmoid", [h])]);
            case "relu":
                return graph.Node("Relu", [h]);
            case "tanh":
                return graph.Node("Tanh", [h]);
            case "elu":
                return graph.Node("Elu", [h], ("alpha", 1.0f));
            case "selu":
                return graph.Node("Selu", [h]);   // ONNX's default α and γ are PyTorch's
            case "gelu":
            {
                // The exact GELU (TorchSharp's default): x · ½(1 + erf(x / √2)).
                using var half = tensor(0.5f);
                using var one = tensor(1.0f);
                using var root2 = tensor((float)Math.Sqrt(2.0));
                var erf = graph.Node("Erf", [graph.Node("Div", [h, graph.Constant("sqrt2", root2)])]);
                var gate = graph.Node("Mul", [graph.Node("Add", [erf, graph.Constant("one", one)]), graph.Constant("half", half)]);
                return graph.Node("Mul", [h, gate]);
            }
            default:
                throw new ArgumentException($"ONNX export does not know the activation '{name}'.");
        }
    }
}
