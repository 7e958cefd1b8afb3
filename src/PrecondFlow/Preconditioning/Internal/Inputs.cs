using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>Argument checks shared by the preconditioners; messages name the map and quote what was passed.</summary>
internal static class Inputs
{
    /// <summary>Checks that <paramref name="x"/> is a (batch, <paramref name="dim"/>) float32 or float64 tensor.</summary>
    public static void CheckPoints(Tensor x, int dim, string map, string paramName)
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        if (x.dim() != 2 || x.shape[1] != dim)
            throw new ArgumentException(
                $"{map} maps (batch, {dim}) tensors; got shape [{string.Join(", ", x.shape)}].", paramName);
        if (x.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"{map} runs in float32 or float64; got {x.dtype}. Convert with .to(float32).", paramName);
    }

    /// <summary>
    /// Checks labels for a conditional map: present, one per point, integral and in [0, numClasses).
    /// Returns their values.
    /// </summary>
    public static long[] CheckLabels(Tensor x, Tensor? labels, int numClasses, string map)
    {
        if (labels is null)
            throw new ArgumentException(
                $"{map} is conditioned on the class label: pass labels, a (batch) int64 tensor with values in [0, {numClasses}).",
                nameof(labels));
        if (labels.dim() != 1 || labels.shape[0] != x.shape[0])
            throw new ArgumentException(
                $"{map} needs one label per point: got labels of shape [{string.Join(", ", labels.shape)}] for {x.shape[0]} points.",
                nameof(labels));
        if (labels.is_floating_point() || labels.is_complex() || labels.dtype == ScalarType.Bool)
            throw new ArgumentException($"{map}: labels must be integers (int64); got {labels.dtype}.", nameof(labels));
        long[] values;
        using (var asLong = labels.to(ScalarType.Int64, torch.CPU))
            values = asLong.data<long>().ToArray();
        foreach (var value in values)
        {
            if (value < 0 || value >= numClasses)
                throw new ArgumentException(
                    $"{map}: label {value} is outside [0, {numClasses}): the map has {numClasses} classes.", nameof(labels));
        }
        return values;
    }
}
