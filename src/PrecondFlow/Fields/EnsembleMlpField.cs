using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// K unconditional <see cref="MlpVectorField"/>s of one architecture as one module: layer i holds the K members'
/// weights stacked as (K, in, out) and their biases as (K, 1, out), and every layer is one batched
/// <c>baddbmm</c>, so a step of K small networks costs a few large kernels instead of K times as many small ones.
/// Member k computes exactly what an MlpVectorField with its weights computes (<see cref="FromMembers"/>, <see cref="Member"/>).
/// </summary>
/// <remarks>Label-conditional members are not supported yet: the configuration must have NumClasses = 0.</remarks>
public sealed class EnsembleMlpField : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly FieldConfig config;
    private readonly Parameter[] weights;
    private readonly Parameter[] biases;
    private readonly nn.Module<Tensor, Tensor> activation;

    /// <summary>K members with placeholder weights (zeros); fill them with <see cref="FromMembers"/> or by loading.</summary>
    /// <param name="config">The members' configuration: an "mlp" without labels.</param>
    /// <param name="members">K, at least 1.</param>
    /// <param name="device">Where the stacked weights live (default: CPU). Build the ensemble there rather than moving it.</param>
    /// <exception cref="ArgumentException">Not an "mlp", or a label-conditional one.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="members"/> &lt; 1.</exception>
    public EnsembleMlpField(FieldConfig config, int members, Device? device = null) : base(nameof(EnsembleMlpField))
    {
        config.Validate();
        if (config.Kind != "mlp")
            throw new ArgumentException($"An ensemble stacks MLP fields; got kind '{config.Kind}'. Use Kind \"mlp\".", nameof(config));
        if (config.NumClasses != 0)
            throw new ArgumentException(
                $"Ensembles of label-conditional fields are not supported yet (NumClasses = {config.NumClasses}); train those one by one with FlowTrainer.",
                nameof(config));
        if (members < 1)
            throw new ArgumentOutOfRangeException(nameof(members), members, "An ensemble needs at least one member.");
        this.config = config;
        Members = members;
        var widths = new List<int> { config.Dim + TimeFeatures.Width(config.Time, config.TimeFeatures) };
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
    }

    /// <summary>The configuration every member shares.</summary>
    public FieldConfig Config => config;

    /// <summary>K, the number of members.</summary>
    public int Members { get; }

    /// <summary>Data dimension.</summary>
    public int Dim => config.Dim;

    /// <summary>The stacked parameters, layer by layer, weight before bias: each (K, …), member k at index k of dim 0.</summary>
    public IReadOnlyList<Parameter> StackedParameters => weights.Zip(biases, (w, b) => new[] { w, b }).SelectMany(p => p).ToArray();

    /// <summary>Every member's f(x, t) at once.</summary>
    /// <param name="x">(K, batch, dim) points, member k's at index k.</param>
    /// <param name="t">(K, batch, 1) times.</param>
    /// <returns>(K, batch, dim).</returns>
    public override Tensor forward(Tensor x, Tensor t)
    {
        if (x.dim() != 3 || x.shape[0] != Members || x.shape[2] != Dim)
            throw new ArgumentException(
                $"Expected points of shape ({Members}, batch, {Dim}) (one batch per member); got ({string.Join(", ", x.shape)}).", nameof(x));
        using var scope = NewDisposeScope();
        long batch = x.shape[1];
        var time = TimeFeatures.Encode(t.expand(Members, batch, 1).reshape(-1, 1).to(x.dtype), config.Time, config.TimeFeatures)
            .reshape(Members, batch, -1);
        var h = cat(new[] { x, time }, dim: 2);
        for (int i = 0; i < weights.Length; i++)
        {
            h = BatchedAffine(biases[i], h, weights[i]);
            if (i < weights.Length - 1)
                h = activation.call(h);
        }
        return h.MoveToOuterDisposeScope();
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
        var layers = members.Select(LinearLayers).ToArray();
        for (int i = 0; i < ensemble.weights.Length; i++)
        {
            ensemble.weights[i].copy_(stack(layers.Select(l => l[i].Weight.t()).ToArray()));
            ensemble.biases[i].copy_(stack(layers.Select(l => l[i].Bias.unsqueeze(0)).ToArray()));
        }
        return ensemble;
    }

    /// <summary>Member <paramref name="k"/> as an ordinary <see cref="MlpVectorField"/> (a copy of its weights, on the
    /// ensemble's device): it computes what the ensemble computes at index k, and saves and loads like any field.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> outside [0, K).</exception>
    public MlpVectorField Member(int k)
    {
        if (k < 0 || k >= Members)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"The ensemble has members 0 to {Members - 1}.");
        var field = new MlpVectorField(config);
        field.to(weights[0].device);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var layers = LinearLayers(field);
        for (int i = 0; i < weights.Length; i++)
        {
            layers[i].Weight.copy_(weights[i][k].t());
            layers[i].Bias.copy_(biases[i][k].squeeze(0));
        }
        return field;
    }

    /// <summary>The weight (out, in) and bias (out) of each Linear layer of an unconditional MLP, in order: its parameters
    /// come weight, bias, layer by layer (the activations have none).</summary>
    private static (Tensor Weight, Tensor Bias)[] LinearLayers(MlpVectorField field)
    {
        var parameters = field.parameters().ToArray();
        return Enumerable.Range(0, parameters.Length / 2).Select(i => ((Tensor)parameters[2 * i], (Tensor)parameters[2 * i + 1])).ToArray();
    }
}
