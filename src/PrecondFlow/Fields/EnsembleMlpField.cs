using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// K <see cref="MlpVectorField"/>s of one architecture as one module: layer i holds the K members' weights stacked as
/// (K, in, out) and their biases as (K, 1, out), and every layer is one batched <c>baddbmm</c>, so a step of K small
/// networks costs a few large kernels instead of K times as many small ones. Label-conditional members keep their label
/// embeddings stacked as (K, NumClasses + 1, LabelFeatures) (or take the same one-hot labels as an MlpVectorField).
/// Member k computes exactly what an MlpVectorField with its weights computes (<see cref="FromMembers"/>, <see cref="Member"/>).
/// </summary>
public sealed class EnsembleMlpField : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    /// <summary>The name of an MlpVectorField's label embedding among its named parameters.</summary>
    private const string EmbeddingName = "labelEmbedding.weight";

    private readonly FieldConfig config;
    private readonly Parameter? labelEmbedding;
    private readonly Parameter[] weights;
    private readonly Parameter[] biases;
    private readonly nn.Module<Tensor, Tensor> activation;

    /// <summary>K members with placeholder weights (zeros); fill them with <see cref="FromMembers"/> or by loading.</summary>
    /// <param name="config">The members' configuration: an "mlp", with or without labels.</param>
    /// <param name="members">K, at least 1.</param>
    /// <param name="device">Where the stacked weights live (default: CPU). Build the ensemble there rather than moving it.</param>
    /// <exception cref="ArgumentException">Not an "mlp".</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="members"/> &lt; 1.</exception>
    public EnsembleMlpField(FieldConfig config, int members, Device? device = null) : base(nameof(EnsembleMlpField))
    {
        config.Validate();
        if (config.Kind != "mlp")
            throw new ArgumentException($"An ensemble stacks MLP fields; got kind '{config.Kind}'. Use Kind \"mlp\".", nameof(config));
        if (members < 1)
            throw new ArgumentOutOfRangeException(nameof(members), members, "An ensemble needs at least one member.");
        this.config = config;
        Members = members;
        int inputs = config.Dim + TimeFeatures.Width(config.Time, config.TimeFeatures);
        if (config.NumClasses > 0)
        {
            if (config.Labels == LabelEncoding.Embedding)
            {
                labelEmbedding = new Parameter(zeros(members, config.NumClasses + 1, config.LabelFeatures, device: device));
                register_parameter("labelEmbedding", labelEmbedding);
                inputs += config.LabelFeatures;
            }
            else
            {
                inputs += config.NumClasses + 1;
            }
        }
        var widths = new List<int> { inputs };
        widths.AddRange(config.HiddenWidths);
        widths.Add(config.Dim);
        weights = new Parameter[widths.Count - 1];
        biases = new Parameter[widths.Count - 1];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = new Parameter(zeros(members, widths[i], widths[i + 1], device: device));
            biases[i] = new Parameter(zeros(members, 1, widths[i + 1], device: device));
            register_parameter($"weight{i}", weights[i]);
            register_parameter($"bias{i}", biases[i]);
        }
        activation = MlpVectorField.Activation(config.Activation);
        register_module("activation", activation);
        var names = new List<string>();
        if (labelEmbedding is not null)
            names.Add(EmbeddingName);
        // nn.Sequential names its modules by position: the Linear layers sit at 0, 2, 4, … between the activations.
        for (int i = 0; i < weights.Length; i++)
            names.AddRange(new[] { $"network.{2 * i}.weight", $"network.{2 * i}.bias" });
        MemberParameterNames = names;
    }

    /// <summary>The configuration every member shares.</summary>
    public FieldConfig Config => config;

    /// <summary>K, the number of members.</summary>
    public int Members { get; }

    /// <summary>Data dimension.</summary>
    public int Dim => config.Dim;

    /// <summary>Number of classes for label conditioning; 0 for unconditional members.</summary>
    public int NumClasses => config.NumClasses;

    /// <summary>Label index that means "no label" (classifier-free guidance); equals <see cref="NumClasses"/>.</summary>
    public long NullLabel => config.NumClasses;

    /// <summary>Whether the members take labels.</summary>
    public bool IsConditional => config.NumClasses > 0;

    /// <summary>The stacked parameters: the label embedding when there is one, then layer by layer, weight before bias;
    /// each (K, …), member k at index k of dim 0.</summary>
    public IReadOnlyList<Parameter> StackedParameters =>
        (labelEmbedding is null ? Array.Empty<Parameter>() : new[] { labelEmbedding })
        .Concat(weights.Zip(biases, (w, b) => new[] { w, b }).SelectMany(p => p)).ToArray();

    /// <summary>For each of <see cref="StackedParameters"/>, the name of the parameter it stacks in an
    /// <see cref="MlpVectorField"/>'s <c>named_parameters()</c>.</summary>
    internal IReadOnlyList<string> MemberParameterNames { get; }

    /// <summary>Member k's slice of stacked parameter <paramref name="index"/> in the layout of the MlpVectorField's parameter:
    /// a weight (in, out) as Linear's (out, in), a bias (1, out) as (out), an embedding as it is.</summary>
    internal Tensor AsMemberParameter(int index, Tensor slice) => MemberParameterNames[index] switch
    {
        EmbeddingName => slice,
        var name when name.EndsWith(".weight", StringComparison.Ordinal) => slice.t(),
        _ => slice.squeeze(0),
    };

    /// <summary>The reverse of <see cref="AsMemberParameter"/>: an MlpVectorField's parameter as member k's slice.</summary>
    private Tensor AsStackedSlice(int index, Tensor parameter) => MemberParameterNames[index] switch
    {
        EmbeddingName => parameter,
        var name when name.EndsWith(".weight", StringComparison.Ordinal) => parameter.t(),
        _ => parameter.unsqueeze(0),
    };

    /// <summary>Every member's f(x, t, y) at once.</summary>
    /// <param name="x">(K, batch, dim) points, member k's at index k.</param>
    /// <param name="t">(K, batch, 1) times.</param>
    /// <param name="labels">(K, batch) int64 labels in [0, NumClasses] (NumClasses meaning "no label") when the members are
    /// conditional; null otherwise.</param>
    /// <returns>(K, batch, dim).</returns>
    public override Tensor forward(Tensor x, Tensor t, Tensor? labels)
    {
        if (x.dim() != 3 || x.shape[0] != Members || x.shape[2] != Dim)
            throw new ArgumentException(
                $"Expected points of shape ({Members}, batch, {Dim}) (one batch per member); got ({string.Join(", ", x.shape)}).", nameof(x));
        CheckLabels(x, labels);
        using var scope = NewDisposeScope();
        long batch = x.shape[1];
        var time = TimeFeatures.Encode(t.expand(Members, batch, 1).reshape(-1, 1).to(x.dtype), config.Time, config.TimeFeatures)
            .reshape(Members, batch, -1);
        var inputs = new List<Tensor> { x, time };
        if (labels is not null)
            inputs.Add(LabelFeatures(labels, x.dtype));
        var h = cat(inputs, dim: 2);
        for (int i = 0; i < weights.Length; i++)
        {
            h = BatchedAffine(biases[i], h, weights[i]);
            if (i < weights.Length - 1)
                h = activation.call(h);
        }
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>(K, batch, features): member k's embedding rows of its labels, or the one-hot labels.</summary>
    private Tensor LabelFeatures(Tensor labels, ScalarType dtype)
    {
        long rows = NumClasses + 1;
        if (labelEmbedding is null)
            return nn.functional.one_hot(labels, rows).to(dtype);
        // Member k's rows start at k·(NumClasses + 1) of the flattened table: one gather for all members, as Embedding's own.
        var offsets = arange(Members, dtype: ScalarType.Int64, device: labels.device).mul_(rows).unsqueeze(1);
        var flat = labelEmbedding.reshape(Members * rows, config.LabelFeatures);
        return flat.index_select(0, (labels + offsets).reshape(-1)).reshape(Members, labels.shape[1], config.LabelFeatures);
    }

    private void CheckLabels(Tensor x, Tensor? labels)
    {
        if (IsConditional && labels is null)
            throw new ArgumentException($"The members are conditioned on {NumClasses} classes: pass labels of shape ({Members}, batch).", nameof(labels));
        if (!IsConditional && labels is not null)
            throw new ArgumentException("The members are unconditional: they take no labels.", nameof(labels));
        if (labels is not null && (labels.dim() != 2 || labels.shape[0] != Members || labels.shape[1] != x.shape[1]))
            throw new ArgumentException(
                $"Expected labels of shape ({Members}, {x.shape[1]}) (one per point); got ({string.Join(", ", labels.shape)}).", nameof(labels));
    }

    /// <summary>bias + x @ weight for each member, (K, batch, out), as one baddbmm.</summary>
    /// <remarks>TorchSharp 0.107's <c>input.baddbmm(batch1, batch2)</c> hands its three tensors to libtorch in a rotated
    /// order and computes batch2 + input @ batch1, so the call below names them that way; the test that every member
    /// computes what its own MLP computes fails should a later TorchSharp put them back in order.</remarks>
    private static Tensor BatchedAffine(Tensor bias, Tensor x, Tensor weight) => baddbmm(x, weight, bias);

    /// <summary>An ensemble whose member k has exactly the weights of <paramref name="members"/>[k], on their device.</summary>
    /// <exception cref="ArgumentException">No members, or members of different configurations (the message names the difference).</exception>
    public static EnsembleMlpField FromMembers(IReadOnlyList<MlpVectorField> members)
    {
        if (members.Count == 0)
            throw new ArgumentException("An ensemble needs at least one member; got none.", nameof(members));
        var config = members[0].Config;
        for (int k = 1; k < members.Count; k++)
        {
            var differences = members[k].Config.DifferencesFrom(config, $"member {k}", "member 0");
            if (differences.Count > 0)
                throw new ArgumentException(
                    $"Every member of an ensemble has the same architecture; {string.Join("; ", differences)}.", nameof(members));
        }
        var ensemble = new EnsembleMlpField(config, members.Count, members[0].parameters().First().device);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var named = members.Select(NamedParameters).ToArray();
        var stacked = ensemble.StackedParameters;
        for (int i = 0; i < stacked.Count; i++)
        {
            string name = ensemble.MemberParameterNames[i];
            stacked[i].copy_(stack(named.Select(m => ensemble.AsStackedSlice(i, m[name])).ToArray()));
        }
        return ensemble;
    }

    /// <summary>Member <paramref name="k"/> as an ordinary <see cref="MlpVectorField"/> (a copy of its weights, on the
    /// ensemble's device): it computes what the ensemble computes at index k, and saves and loads like any field.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> outside [0, K).</exception>
    public MlpVectorField Member(int k)
    {
        var field = new MlpVectorField(config);
        field.to(weights[0].device);
        CopyMemberTo(k, field);
        return field;
    }

    /// <summary>Copies member <paramref name="k"/>'s weights into <paramref name="field"/>, an MlpVectorField of the members'
    /// configuration (e.g. one that a sampler already holds).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> outside [0, K).</exception>
    /// <exception cref="ArgumentException"><paramref name="field"/> has another configuration (the message names the difference).</exception>
    public void CopyMemberTo(int k, MlpVectorField field)
    {
        if (k < 0 || k >= Members)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"The ensemble has members 0 to {Members - 1}.");
        var differences = field.Config.DifferencesFrom(config, "field", "ensemble");
        if (differences.Count > 0)
            throw new ArgumentException($"The field does not have the members' architecture ({string.Join("; ", differences)}).", nameof(field));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var named = NamedParameters(field);
        var stacked = StackedParameters;
        for (int i = 0; i < stacked.Count; i++)
            named[MemberParameterNames[i]].copy_(AsMemberParameter(i, stacked[i][k]));
    }

    private static Dictionary<string, Tensor> NamedParameters(MlpVectorField field) =>
        field.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
}
