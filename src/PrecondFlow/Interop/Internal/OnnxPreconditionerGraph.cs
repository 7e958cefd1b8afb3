using PrecondFlow.Preconditioning;
using PrecondFlow.Preconditioning.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Interop.Internal;

/// <summary>
/// A preconditioner as an ONNX graph, following the PyTorch mirror (interop/python/precondflow_torch.py) kind by kind:
/// whitening is a subtraction and a matrix product, class-whitening gathers its class's mean and matrix per row, RealNVP
/// is its couplings (Gemm/ReLU MLPs, the soft clamp s = B·tanh(raw/B)) with the permutations as column gathers, and a
/// chain composes its members and sums their log-dets. Float64 statistics become float32 constants, as TorchSharp casts
/// them for a float32 input.
/// </summary>
internal static class OnnxPreconditionerGraph
{
    /// <summary>The graph of P (outputs <c>z</c>, <c>log_det</c>) or of P⁻¹ (output <c>x</c>).</summary>
    /// <exception cref="ArgumentException">A member is not a plain tensor graph (the flow preconditioner).</exception>
    public static OnnxGraph Build(IPreconditioner preconditioner, bool inverse)
    {
        RequireGraph(preconditioner);
        var d = preconditioner.Dim;
        var graph = new OnnxGraph(inverse ? "precondflow_inverse_preconditioner" : "precondflow_preconditioner");
        var input = graph.Input(inverse ? "z" : "x", OnnxGraph.Float, null, d);
        var labels = preconditioner.IsConditional ? graph.Input("labels", OnnxGraph.Int64, [null]) : null;
        if (inverse)
        {
            var x = Inverse(graph, preconditioner, input, labels);
            graph.Output(graph.NamedNode("x", "Identity", [x]), OnnxGraph.Float, null, d);
        }
        else
        {
            var (z, logDet) = Forward(graph, preconditioner, input, labels);
            graph.Output(graph.NamedNode("z", "Identity", [z]), OnnxGraph.Float, null, d);
            graph.Output(graph.NamedNode("log_det", "Identity", [logDet]), OnnxGraph.Float, [null]);
        }
        return graph;
    }

    /// <summary>Throws when <paramref name="preconditioner"/> (or a chain member) has no fixed tensor graph.</summary>
    public static void RequireGraph(IPreconditioner preconditioner)
    {
        switch (preconditioner)
        {
            case PreconditionerChain chain:
                foreach (var member in chain.Members)
                    RequireGraph(member);
                break;
            case FlowPreconditioner:
                throw new ArgumentException(
                    "the flow preconditioner has no ONNX graph: P and P⁻¹ solve an ODE along its velocity field (adaptive " +
                    "steps, a divergence integral for the log-det), not a fixed sequence of tensor operations. Export the " +
                    "model with --format safetensors (its field is under preconditioner.*) and integrate that field with your " +
                    "own ODE solver, or train with --preconditioner whiten, class-whiten, realnvp or a chain of them.");
            case IdentityPreconditioner or AffineWhitening or ClassConditionalWhitening or RealNvp:
                break;
            default:
                throw new ArgumentException($"the {preconditioner.Name} preconditioner has no ONNX export.");
        }
    }

    private static (string Z, string LogDet) Forward(OnnxGraph graph, IPreconditioner p, string x, string? labels)
    {
        switch (p)
        {
            case IdentityPreconditioner:
                return (x, graph.PerRow(x, 0));
            case AffineWhitening whitening:
            {
                var t = Tensors(whitening.StateTensors());
                var z = graph.Node("MatMul", [graph.Node("Sub", [x, Float32(graph, "mean", t["mean"])]), Float32(graph, "whitener", t["whitener"])]);
                return (z, graph.PerRow(x, whitening.LogAbsDet));
            }
            case ClassConditionalWhitening whitening:
            {
                var t = Tensors(whitening.StateTensors());
                var centred = graph.Node("Sub", [x, Gather(graph, Float32(graph, "means", t["means"]), labels!)]);
                var z = RowTimesMatrix(graph, centred, Gather(graph, Float32(graph, "whiteners", t["whiteners"]), labels!), p.Dim);
                return (z, Gather(graph, Float32(graph, "log_abs_dets", t["log_abs_dets"]), labels!));
            }
            case RealNvp realNvp:
                return new RealNvpGraph(graph, realNvp, labels).Forward(x);
            case PreconditionerChain chain:
            {
                string? logDet = null;
                foreach (var member in chain.Members)
                {
                    (x, var step) = Forward(graph, member, x, member.IsConditional ? labels : null);
                    logDet = logDet is null ? step : graph.Node("Add", [logDet, step]);
                }
                return (x, logDet!);
            }
            default:
                RequireGraph(p);
                throw new InvalidOperationException("unreachable");
        }
    }

    private static string Inverse(OnnxGraph graph, IPreconditioner p, string z, string? labels)
    {
        switch (p)
        {
            case IdentityPreconditioner:
                return z;
            case AffineWhitening whitening:
            {
                var t = Tensors(whitening.StateTensors());
                return graph.Node("Add", [graph.Node("MatMul", [z, Float32(graph, "colorer", t["colorer"])]), Float32(graph, "mean", t["mean"])]);
            }
            case ClassConditionalWhitening whitening:
            {
                var t = Tensors(whitening.StateTensors());
                var coloured = RowTimesMatrix(graph, z, Gather(graph, Float32(graph, "colorers", t["colorers"]), labels!), p.Dim);
                return graph.Node("Add", [coloured, Gather(graph, Float32(graph, "means", t["means"]), labels!)]);
            }
            case RealNvp realNvp:
                return new RealNvpGraph(graph, realNvp, labels).Inverse(z);
            case PreconditionerChain chain:
                for (var i = chain.Members.Count - 1; i >= 0; i--)
                    z = Inverse(graph, chain.Members[i], z, chain.Members[i].IsConditional ? labels : null);
                return z;
            default:
                RequireGraph(p);
                throw new InvalidOperationException("unreachable");
        }
    }

    /// <summary>Row i of (batch, d) times matrix i of (batch, d, d): (batch, d).</summary>
    private static string RowTimesMatrix(OnnxGraph graph, string rows, string matrices, long d)
    {
        var product = graph.Node("MatMul", [graph.Node("Unsqueeze", [rows, graph.Ints("axes", 1)]), matrices]);
        return graph.Node("Reshape", [product, graph.Ints("shape", -1, d)]);
    }

    private static string Gather(OnnxGraph graph, string table, string labels) =>
        graph.Node("Gather", [table, labels], ("axis", 0L));

    private static string Float32(OnnxGraph graph, string hint, Tensor value)
    {
        using var single = value.detach().to(ScalarType.Float32);
        return graph.Constant(hint, single);
    }

    private static Dictionary<string, Tensor> Tensors(IReadOnlyList<(string Name, Tensor Value)> tensors) =>
        tensors.ToDictionary(t => t.Name, t => t.Value);

    /// <summary>RealNVP's couplings, as <see cref="RealNvpNetwork"/> runs them.</summary>
    private sealed class RealNvpGraph
    {
        private readonly OnnxGraph graph;
        private readonly RealNvp realNvp;
        private readonly Dictionary<string, Tensor> state;
        private readonly bool[] layout;
        private readonly string? oneHot;

        public RealNvpGraph(OnnxGraph graph, RealNvp realNvp, string? labels)
        {
            this.graph = graph;
            this.realNvp = realNvp;
            state = Tensors(realNvp.StateTensors());
            var permutations = state["permutations"];
            var perms = Enumerable.Range(0, (int)permutations.shape[0])
                .Select(i => { using var row = permutations[i]; return row.data<long>().ToArray(); })
                .ToArray();
            layout = RealNvpNetwork.Layout(perms, realNvp.Dim);
            if (realNvp.NumClasses > 0)
            {
                using var identity = eye(realNvp.NumClasses, dtype: ScalarType.Float32);
                oneHot = Gather(graph, graph.Constant("one_hot", identity), labels!);
            }
        }

        private int Couplings => realNvp.Options.Couplings;

        public (string Z, string LogDet) Forward(string x)
        {
            string? logDet = null;
            for (var i = 0; i < Couplings; i++)
            {
                var (kept, changed) = Halves(i, x);
                var (s, t) = ScaleAndShift(i, kept);
                x = Assemble(i, kept, graph.Node("Add", [graph.Node("Mul", [changed, graph.Node("Exp", [s])]), t]));
                var step = graph.Node("ReduceSum", [s, graph.Ints("axes", 1)], ("keepdims", 0L));
                logDet = logDet is null ? step : graph.Node("Add", [logDet, step]);
                if (i < Couplings - 1)
                    x = Permute(x, "permutations", i);
            }
            return (Permute(x, "restoreOrder", null), logDet!);
        }

        public string Inverse(string z)
        {
            z = Permute(z, "scrambleOrder", null);
            for (var i = Couplings - 1; i >= 0; i--)
            {
                if (i < Couplings - 1)
                    z = Permute(z, "inversePermutations", i);
                var (kept, changed) = Halves(i, z);
                var (s, t) = ScaleAndShift(i, kept);
                z = Assemble(i, kept, graph.Node("Mul", [graph.Node("Sub", [changed, t]), graph.Node("Exp", [graph.Node("Neg", [s])])]));
            }
            return z;
        }

        private (long Start, long Length) Kept(int i)
        {
            var (d, half) = ((long)realNvp.Dim, (long)realNvp.Dim / 2);
            return layout[i] ? (half, d - half) : (0, half);
        }

        private (long Start, long Length) Changed(int i)
        {
            var (d, half) = ((long)realNvp.Dim, (long)realNvp.Dim / 2);
            return layout[i] ? (0, half) : (half, d - half);
        }

        private (string Kept, string Changed) Halves(int i, string value) =>
            (graph.Columns(value, Kept(i).Start, Kept(i).Length), graph.Columns(value, Changed(i).Start, Changed(i).Length));

        private string Assemble(int i, string kept, string changed) =>
            graph.Node("Concat", layout[i] ? [changed, kept] : [kept, changed], ("axis", 1L));

        private (string S, string T) ScaleAndShift(int i, string kept)
        {
            var h = oneHot is null ? kept : graph.Node("Concat", [kept, oneHot], ("axis", 1L));
            var layers = realNvp.Options.HiddenLayers + 1;
            for (var k = 0; k < layers; k++)
            {
                // The Sequential holds Linear, ReLU, Linear, ...: the Linear layers are its even entries.
                var prefix = $"couplings.{i}.net.{2 * k}";
                h = graph.Node("Gemm", [h, graph.Constant("weight", Weight(prefix + ".weight")), graph.Constant("bias", Weight(prefix + ".bias"))],
                    ("transB", 1L));
                if (k < layers - 1)
                    h = graph.Node("Relu", [h]);
            }
            var length = Changed(i).Length;
            var bound = realNvp.Options.ScaleBound;
            var raw = graph.Columns(h, 0, length);
            var s = graph.Node("Mul", [graph.Node("Tanh", [graph.Node("Div", [raw, graph.Scalar("bound", bound)])]), graph.Scalar("bound", bound)]);
            return (s, graph.Columns(h, length, length));
        }

        private string Permute(string value, string name, int? row)
        {
            var order = state[name];
            if (row is { } r)
            {
                using var selected = order[r];
                return graph.Node("Gather", [value, graph.Constant(name, selected)], ("axis", 1L));
            }
            return graph.Node("Gather", [value, graph.Constant(name, order)], ("axis", 1L));
        }

        private Tensor Weight(string name) => state.TryGetValue(name, out var value)
            ? value
            : throw new InvalidOperationException($"RealNVP has no tensor '{name}' (has {string.Join(", ", state.Keys)}).");
    }
}
