using System.Text.Json;
using PrecondFlow.Fields;
using PrecondFlow.IO;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Interop;

/// <summary>
/// The layout of a model exported by <see cref="SafeTensorsExport"/>, and loading its networks back: tensor-name
/// prefixes, the <c>__metadata__</c> keys, and <see cref="LoadField"/>, which rebuilds the main flow's network from the
/// file alone (e.g. to initialise training with <c>train --init</c>).
/// </summary>
public static class SafeTensorsModel
{
    /// <summary>Prefix of the main flow's trained weights.</summary>
    public const string FieldPrefix = "field.";
    /// <summary>Prefix of the main flow's EMA weights, present when the model kept an EMA.</summary>
    public const string EmaPrefix = "ema.";
    /// <summary>Prefix of the preconditioner's tensors.</summary>
    public const string PreconditionerPrefix = "preconditioner.";
    /// <summary>Metadata key naming the layout, whose value is <see cref="Format"/>.</summary>
    public const string FormatKey = "format";
    /// <summary>The layout this version writes and reads.</summary>
    public const string Format = "precondflow-1";
    /// <summary>Metadata key of the model spec as JSON (<see cref="ModelSpec"/>: field configuration, path, objective).</summary>
    public const string ModelKey = "model";
    /// <summary>Metadata key of the preconditioner's description as JSON (its kind and settings).</summary>
    public const string PreconditionerKey = "preconditioner";
    /// <summary>Metadata key saying whether <see cref="EmaPrefix"/> tensors are present ("true" or "false").</summary>
    public const string EmaKey = "ema";

    /// <summary>
    /// Rebuilds the main flow's network from an exported file: its configuration from <c>__metadata__.model</c>, its
    /// weights from the tensors under <paramref name="prefix"/>, each checked for name, dtype and shape; every tensor under
    /// the prefix must be used and every weight finite.
    /// </summary>
    /// <param name="file">A .safetensors file written by <see cref="SafeTensorsExport"/>.</param>
    /// <param name="prefix"><see cref="FieldPrefix"/> (trained weights) or <see cref="EmaPrefix"/>.</param>
    /// <returns>The network on the CPU, and the model spec it was exported with.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a PrecondFlow safetensors file, an invalid configuration, or tensors that
    /// do not match it; the message names the file and the tensor or metadata key.</exception>
    public static (VectorField Field, ModelSpec Spec) LoadField(string file, string prefix = FieldPrefix)
    {
        using var content = SafeTensors.Read(file);
        var spec = ReadSpec(content);
        var field = VectorFields.Create(spec.Field);
        try
        {
            using (no_grad())
            {
                foreach (var (name, value) in field.state_dict())
                {
                    using var scope = NewDisposeScope();   // releases the extra handle copy_ hands back
                    using var loaded = content.Take(prefix + name, value.dtype, value.shape);
                    value.copy_(loaded);
                }
            }
            var unused = content.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
            if (unused.Length > 0)
                throw new InvalidDataException(
                    $"{file}: tensor '{unused[0]}' is not part of the {spec.Field.Kind} network that '{SafeTensors.MetadataKey}.{ModelKey}' describes " +
                    $"(hidden {string.Join(",", spec.Field.HiddenWidths)}, dim {spec.Field.Dim}): the configuration does not match the tensors.");
            FiniteWeights.Require(field, file);
            field.eval();
            return (field, spec);
        }
        catch
        {
            field.Dispose();
            throw;
        }
    }

    private static ModelSpec ReadSpec(SafeTensorsContent content)
    {
        var format = content.RequireMetadata(FormatKey);
        if (format != Format)
            throw new InvalidDataException(
                $"{content.Path}: '{SafeTensors.MetadataKey}.{FormatKey}' is '{format}'; expected '{Format}' (a file written by `precondflow export`).");
        var json = content.RequireMetadata(ModelKey);
        ModelSpec spec;
        try
        {
            spec = Json.Deserialize<ModelSpec>(json);
            spec.Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{content.Path}: '{SafeTensors.MetadataKey}.{ModelKey}' is not a valid model configuration ({e.Message}).", e);
        }
        return spec;
    }
}
