using PrecondFlow.Data.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>Argument checks shared by the preconditioners; messages name the map and quote what was passed.</summary>
internal static class Inputs
{
    /// <summary>Checks that <paramref name="x"/> is a (batch, <paramref name="dim"/>) float32 or float64 tensor
    /// (an empty batch included).</summary>
    public static void CheckPoints(Tensor x, int dim, string map, string paramName) =>
        PointChecks.Points(x, paramName, map, minimumCount: 0, dim: dim);

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
        PointChecks.Labels(x, labels, map);
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
