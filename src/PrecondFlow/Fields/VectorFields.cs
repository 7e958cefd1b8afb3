namespace PrecondFlow.Fields;

/// <summary>Builds vector fields from their saved configuration.</summary>
public static class VectorFields
{
    public static VectorField Create(FieldConfig config) => config.Kind switch
    {
        "mlp" => new MlpVectorField(config),
        "linear" => new LinearVectorField(config),
        _ => throw new ArgumentException($"Unknown field kind '{config.Kind}'. Known kinds: {string.Join(", ", FieldConfig.Kinds)}."),
    };

    /// <summary>The configuration a field was built from.</summary>
    public static FieldConfig ConfigOf(VectorField field) => field switch
    {
        MlpVectorField mlp => mlp.Config,
        LinearVectorField linear => linear.Config,
        _ => throw new ArgumentException($"No saved configuration for field type {field.GetType().Name}."),
    };

    /// <summary>Number of trainable parameters.</summary>
    public static long ParameterCount(VectorField field) => field.parameters().Sum(p => p.numel());
}
