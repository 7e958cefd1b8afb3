using PrecondFlow.Metrics;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>
/// The noise floor of a sample metric: its value between two independent samples of the true distribution, of the
/// sizes used in the measurement, with the metric's own seed. A model cannot be told apart from the truth below it.
/// </summary>
internal static class NoiseFloors
{
    /// <summary>
    /// SW₂ and MMD² between two samples drawn per seed by <paramref name="draw"/> (which returns the pair: a stands for the
    /// model's points, b for the held-out data), and optionally the shares of a off b and of b missed by a.
    /// </summary>
    public static Dictionary<string, IReadOnlyList<double>> Measure(IReadOnlyList<long> seeds, Func<long, (Tensor A, Tensor B)> draw,
        string slicedWassersteinKey, string mmdKey, (string OffKey, string MissedKey, double Radius)? shares = null)
    {
        var values = new Dictionary<string, List<double>> { [slicedWassersteinKey] = new(), [mmdKey] = new() };
        if (shares is { } s)
        {
            values[s.OffKey] = new();
            values[s.MissedKey] = new();
        }
        foreach (var seed in seeds)
        {
            using var scope = NewDisposeScope();
            var (a, b) = draw(seed);
            values[slicedWassersteinKey].Add(SlicedWasserstein.Compute(a, b, order: 2, seed: seed));
            values[mmdKey].Add(MaximumMeanDiscrepancy.Compute(a, b, seed).Value);
            if (shares is { } share)
            {
                values[share.OffKey].Add(NearestNeighbours.ShareFartherThan(a, b, share.Radius));
                values[share.MissedKey].Add(NearestNeighbours.ShareFartherThan(b, a, share.Radius));
            }
        }
        return values.ToDictionary(v => v.Key, v => (IReadOnlyList<double>)v.Value);
    }
}
