using PrecondFlow.Metrics.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// Precision and recall of a generated set as separate numbers (Kynkäänniemi et al. 2019, "Improved precision
/// and recall"), with density and coverage (Naeem et al. 2020) from the same balls. Every reference point xᵢ
/// gets a ball of radius rᵢ = distance to its k-th nearest neighbour within the reference set; every generated
/// point yⱼ a ball of radius sⱼ within the generated set. Then
/// precision = share of yⱼ with ‖yⱼ − xᵢ‖ ≤ rᵢ for some i; recall = share of xᵢ with ‖xᵢ − yⱼ‖ ≤ sⱼ for some j;
/// density = Σⱼ Σᵢ 1[‖yⱼ − xᵢ‖ ≤ rᵢ] / (k·m); coverage = share of xᵢ whose ball holds some yⱼ.
/// <para>
/// A distance-type metric (sliced Wasserstein, MMD) mixes the two failures: samples off the data (low
/// precision) and parts of the data never sampled (low recall). These numbers tell them apart. Exact (no
/// subsampling, no approximate neighbours), float64, in chunks of about 2²² distances so memory stays
/// O(chunk · n); cost O(n·m·d).
/// </para>
/// </summary>
public static class PrecisionRecall
{
    /// <summary>The neighbour that sets the radii, as in both papers.</summary>
    public const int DefaultK = 3;

    /// <summary>Precision, recall, density and coverage of <paramref name="samples"/> against <paramref name="reference"/>.</summary>
    /// <param name="reference">(n, d) reference points, n &gt; k.</param>
    /// <param name="samples">(m, d) generated points, m &gt; k.</param>
    /// <param name="k">The neighbour whose distance is a ball's radius.</param>
    public static PrecisionRecallResult Compute(Tensor reference, Tensor samples, int k = DefaultK)
    {
        Subsampling.CheckPair(reference, samples, minimumCount: 1, "Precision and recall");
        CheckK(k, reference.shape[0], samples.shape[0]);
        using var scope = NewDisposeScope();
        var x = reference.detach().to_type(ScalarType.Float64);
        var centre = x.mean([0], keepdim: true);
        x = x - centre;
        return Compute(x, NearestNeighbours.KthNeighbourRadii(x, k), samples.detach().to_type(ScalarType.Float64) - centre, k);
    }

    /// <summary>As <see cref="Compute(Tensor, Tensor, int)"/> with the reference's radii computed beforehand
    /// (see <see cref="ReferenceSet"/>), so that only the samples are processed.</summary>
    /// <param name="reference">(n, d) float64 reference points, centred near the origin.</param>
    /// <param name="referenceRadii">(n) k-th neighbour distances within the reference.</param>
    /// <param name="samples">(m, d) float64 generated points, in the coordinates of <paramref name="reference"/>.</param>
    /// <param name="k">The k of <paramref name="referenceRadii"/>; also used for the samples' radii.</param>
    internal static PrecisionRecallResult Compute(Tensor reference, Tensor referenceRadii, Tensor samples, int k)
    {
        CheckK(k, reference.shape[0], samples.shape[0]);
        using var scope = NewDisposeScope();
        long n = reference.shape[0], m = samples.shape[0];
        var (samplesInside, perReferenceBall) = NearestNeighbours.BallMembership(samples, reference, referenceRadii);
        var sampleRadii = NearestNeighbours.KthNeighbourRadii(samples, k);
        var (referenceInside, _) = NearestNeighbours.BallMembership(reference, samples, sampleRadii);
        return new PrecisionRecallResult(
            Precision: samplesInside.to_type(ScalarType.Float64).mean().item<double>(),
            Recall: referenceInside.to_type(ScalarType.Float64).mean().item<double>(),
            Density: perReferenceBall.sum().item<long>() / ((double)k * m),
            Coverage: (perReferenceBall > 0).to_type(ScalarType.Float64).mean().item<double>(),
            k, n, m);
    }

    private static void CheckK(int k, long referenceCount, long sampleCount)
    {
        if (k < 1)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be at least 1; {DefaultK} is the usual choice.");
        if (k >= Math.Min(referenceCount, sampleCount))
            throw new ArgumentOutOfRangeException(nameof(k), k,
                $"The k-th neighbour needs more than k points in each set; got {referenceCount} reference and {sampleCount} generated points.");
    }
}
