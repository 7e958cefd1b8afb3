using PrecondFlow.Data.Internal;
using PrecondFlow.Data.Toy;
using PrecondFlow.LinearAlgebra;
using PrecondFlow.Metrics.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// A reference set prepared once for many evaluations (<see cref="SampleQualityMetrics.Evaluate"/>): its points in
/// float64, k-nearest-neighbour radii, mean, covariance and whitened coordinates are computed here, so that each
/// evaluation only processes the samples. Owns its tensors: dispose it when done.
/// </summary>
public sealed class ReferenceSet : IDisposable
{
    private ReferenceSet(Tensor points, Tensor? labels, int k, Tensor radii, Tensor mean, Tensor covariance,
        WhitenedCoordinates? whitening, Tensor? whitenedPoints, IHasGeneratingCurve? curve)
    {
        Points = points;
        Labels = labels;
        K = k;
        Radii = radii;
        Mean = mean;
        Covariance = covariance;
        Whitening = whitening;
        WhitenedPoints = whitenedPoints;
        Curve = curve;
    }

    /// <summary>(n, d) float64 reference points (the caller's storage when it passed float64: do not modify that tensor in place).</summary>
    public Tensor Points { get; }

    /// <summary>(n) int64 labels, or null when unlabelled.</summary>
    public Tensor? Labels { get; }

    /// <summary>The neighbour whose distance is a ball's radius in precision and recall.</summary>
    public int K { get; }

    /// <summary>(n) float64 distance of each reference point to its k-th nearest neighbour within the set.</summary>
    public Tensor Radii { get; }

    /// <summary>(d) float64 mean μ_ref.</summary>
    public Tensor Mean { get; }

    /// <summary>(d, d) float64 unbiased covariance Σ_ref.</summary>
    public Tensor Covariance { get; }

    /// <summary>The reference's whitened coordinates; null when Σ_ref is singular.</summary>
    public WhitenedCoordinates? Whitening { get; }

    /// <summary>(n, d) float64 reference points in <see cref="Whitening"/>'s coordinates; null with it.</summary>
    public Tensor? WhitenedPoints { get; }

    /// <summary>The generating curve of the reference's data set, when known (2-D toy sets).</summary>
    public IHasGeneratingCurve? Curve { get; }

    /// <summary>Number of reference points.</summary>
    public long Count => Points.shape[0];

    /// <summary>Dimension of the points.</summary>
    public int Dim => (int)Points.shape[1];

    /// <summary>Prepares a reference set.</summary>
    /// <param name="points">(n, d) reference points, n &gt; k and n ≥ 2.</param>
    /// <param name="labels">(n) integer labels, or null: with labels on both sides the spectrum is also compared per class.</param>
    /// <param name="k">The neighbour whose distance is a ball's radius (≥ 1).</param>
    /// <param name="curve">The data set's generating curve, for the curve distances of 2-D samples; null when unknown.</param>
    public static ReferenceSet Prepare(Tensor points, Tensor? labels = null, int k = PrecisionRecall.DefaultK,
        IHasGeneratingCurve? curve = null)
    {
        PointChecks.Points(points, nameof(points), "Reference set", minimumCount: Math.Max(2, k + 1L));
        if (labels is not null)
            PointChecks.Labels(points, labels, "Reference set");
        if (k < 1)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be at least 1; {PrecisionRecall.DefaultK} is the usual choice.");
        if (curve is not null && points.shape[1] != 2)
            throw new ArgumentException($"A generating curve is planar, but the reference has {points.shape[1]} dimensions.", nameof(curve));

        using var scope = NewDisposeScope();
        var x = points.detach().to_type(ScalarType.Float64);
        var mean = x.mean([0]);
        // Centred on the mean: the distance expansion ‖x‖² + ‖y‖² − 2x·y then loses little to cancellation.
        var radii = NearestNeighbours.KthNeighbourRadii(x - mean, k);
        var covariance = SampleCovariance.Of(x);
        var whitening = WhitenedCoordinates.Fit(x);
        var whitened = whitening?.Apply(x);
        return new ReferenceSet(x.MoveToOuterDisposeScope(), labels?.detach().to_type(ScalarType.Int64).MoveToOuterDisposeScope(), k,
            radii.MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope(),
            whitening is null ? null : Keep(whitening), whitened?.MoveToOuterDisposeScope(), curve);
    }

    private static WhitenedCoordinates Keep(WhitenedCoordinates whitening)
    {
        whitening.Mean.MoveToOuterDisposeScope();
        whitening.Map.MoveToOuterDisposeScope();
        return whitening;
    }

    /// <summary>Releases the reference's tensors, its whitening included.</summary>
    public void Dispose()
    {
        Points.Dispose();
        Labels?.Dispose();
        Radii.Dispose();
        Mean.Dispose();
        Covariance.Dispose();
        Whitening?.Dispose();
        WhitenedPoints?.Dispose();
    }
}
