using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// A time-conditioned, optionally label-conditioned multilayer perceptron
/// f(x, t, y) = MLP([x, time features, label features]).
/// </summary>
public sealed class MlpVectorField : VectorField
{
    private readonly FieldConfig config;
    private readonly Embedding? labelEmbedding;
    private readonly Sequential network;

    /// <summary>Builds the MLP: a Linear layer and the activation per hidden width, then a Linear layer to Dim outputs.</summary>
    /// <param name="config">Uses Dim, NumClasses, Hidden, Activation, Time, TimeFeatures, Labels and LabelFeatures; Kind should be "mlp".</param>
    /// <exception cref="ArgumentException"><paramref name="config"/> fails <see cref="FieldConfig.Validate"/>.</exception>
    public MlpVectorField(FieldConfig config) : base("MlpVectorField", config.Dim, config.NumClasses)
    {
        config.Validate();
        this.config = config;
        int inputs = config.Dim + TimeFeatures.Width(config.Time, config.TimeFeatures);
        if (config.NumClasses > 0)
        {
            if (config.Labels == LabelEncoding.Embedding)
            {
                labelEmbedding = nn.Embedding(config.NumClasses + 1, config.LabelFeatures);
                inputs += config.LabelFeatures;
            }
            else
            {
                inputs += config.NumClasses + 1;
            }
        }
        var layers = new List<nn.Module<Tensor, Tensor>>();
        foreach (var width in config.HiddenWidths)
        {
            layers.Add(nn.Linear(inputs, width));
            layers.Add(Activation(config.Activation));
            inputs = width;
        }
        layers.Add(nn.Linear(inputs, config.Dim));
        network = nn.Sequential(layers);
        RegisterComponents();
    }

    /// <summary>The configuration this field was built from.</summary>
    public FieldConfig Config => config;

    /// <summary>f(x, t, y) = MLP([x, time features of t, label features of y]); labels are one-hot or embedded over
    /// NumClasses + 1 classes, the last one meaning "no label".</summary>
    /// <param name="x">(batch, dim) points.</param>
    /// <param name="t">(batch, 1) or (1, 1) times.</param>
    /// <param name="labels">(batch) int64 labels in [0, NumClasses]; required when conditional, null otherwise.</param>
    /// <returns>(batch, dim).</returns>
    public override Tensor forward(Tensor x, Tensor t, Tensor? labels)
    {
        CheckLabels(x, labels);
        using var scope = NewDisposeScope();
        var time = TimeFeatures.Encode(t.expand(x.shape[0], 1).to(x.dtype), config.Time, config.TimeFeatures);
        var inputs = new List<Tensor> { x, time };
        if (labels is not null)
        {
            inputs.Add(labelEmbedding is not null
                ? labelEmbedding.call(labels)
                : nn.functional.one_hot(labels, NumClasses + 1).to(x.dtype));
        }
        return network.call(cat(inputs, dim: 1)).MoveToOuterDisposeScope();
    }

    internal static nn.Module<Tensor, Tensor> Activation(string name) => name switch
    {
        "silu" => nn.SiLU(),
        "relu" => nn.ReLU(),
        "gelu" => nn.GELU(),
        "tanh" => nn.Tanh(),
        "elu" => nn.ELU(),
        "selu" => nn.SELU(),
        _ => throw new ArgumentException($"Unknown activation '{name}'. Known activations: {string.Join(", ", FieldConfig.Activations)}."),
    };
}
