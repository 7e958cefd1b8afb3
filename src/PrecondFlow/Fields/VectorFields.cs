using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>Builds vector fields from their saved configuration.</summary>
public static class VectorFields
{
    /// <summary>A fresh field whose initial weights are drawn from <paramref name="generator"/> only
    /// (<see cref="ParameterInitialization"/>): the same generator state gives the same weights.</summary>
    /// <param name="config">The network's configuration.</param>
    /// <param name="generator">A CPU generator; move the field to its device afterwards.</param>
    public static VectorField Create(FieldConfig config, Generator generator)
    {
        var field = Create(config);
        ParameterInitialization.Reset(field, generator);
        return field;
    }

    /// <summary>
    /// A field whose weights are about to be loaded or copied: its initial values come from TorchSharp's constructors
    /// (libtorch's global generator) and mean nothing. Use <see cref="Create(FieldConfig, Generator)"/> for a field to train.
    /// </summary>
    public static VectorField Create(FieldConfig config) => config.Kind switch
    {
        "mlp" => new MlpVectorField(config),
        "linear" => new LinearVectorField(config),
        "unet" => new UNetVectorField(config),
        _ => throw new ArgumentException($"Unknown field kind '{config.Kind}'. Known kinds: {string.Join(", ", FieldConfig.Kinds)}."),
    };

    /// <summary>The configuration a field was built from, or null for a field type without one.</summary>
    public static FieldConfig? TryConfigOf(VectorField field) => field switch
    {
        MlpVectorField mlp => mlp.Config,
        LinearVectorField linear => linear.Config,
        UNetVectorField unet => unet.Config,
        _ => null,
    };

    /// <summary>The configuration a field was built from.</summary>
    public static FieldConfig ConfigOf(VectorField field) =>
        TryConfigOf(field) ?? throw new ArgumentException($"No saved configuration for field type {field.GetType().Name}.");

    /// <summary>Number of trainable parameters.</summary>
    public static long ParameterCount(VectorField field) => field.parameters().Sum(p => p.numel());
}
