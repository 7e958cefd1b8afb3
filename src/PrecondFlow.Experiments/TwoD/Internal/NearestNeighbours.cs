using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>
/// How much of one point set lies away from another: the share of <c>points</c> whose nearest neighbour in
/// <c>reference</c> is farther than a radius. With samples and held-out data this is "samples off the data" (one minus a
/// precision); with the roles swapped, "data missed" (one minus a coverage). Unlike distances between distributions, it
/// sees thin structure (a spiral's width) and is not dominated by a few far-off points.
/// </summary>
internal static class NearestNeighbours
{
    /// <param name="points">(n, d) points.</param>
    /// <param name="reference">(m, d) points.</param>
    /// <param name="radius">Distance within which a point counts as near the reference.</param>
    public static double ShareFartherThan(Tensor points, Tensor reference, double radius)
    {
        using var scope = NewDisposeScope();
        var a = points.detach().cpu().to(ScalarType.Float64);
        var b = reference.detach().cpu().to(ScalarType.Float64);
        long far = 0;
        // 1000 × m distances per chunk (40 MB for m = 5000).
        for (long start = 0; start < a.shape[0]; start += 1000)
        {
            using var chunk = NewDisposeScope();
            var block = a.slice(0, start, Math.Min(a.shape[0], start + 1000), 1);
            var nearest = cdist(block, b).amin(1);
            far += (nearest > radius).sum().item<long>();
        }
        return (double)far / a.shape[0];
    }
}
