namespace PrecondFlow.Metrics;

/// <summary>Improved precision and recall (Kynkäänniemi et al. 2019) and density and coverage (Naeem et al. 2020)
/// of a generated set against a reference set, all from the same k-nearest-neighbour balls.</summary>
/// <param name="Precision">Share of generated points inside at least one reference ball: fidelity, in [0, 1].</param>
/// <param name="Recall">Share of reference points inside at least one generated ball: diversity, in [0, 1].</param>
/// <param name="Density">Reference balls holding each generated point, averaged and divided by k: about 1 when the
/// two sets come from one law, above 1 when samples crowd where the reference is dense; in [0, n/k].</param>
/// <param name="Coverage">Share of reference balls that hold at least one generated point, in [0, 1].</param>
/// <param name="K">The neighbour whose distance is a ball's radius.</param>
/// <param name="ReferenceCount">Points of the reference set.</param>
/// <param name="SampleCount">Points of the generated set.</param>
public sealed record PrecisionRecallResult(
    double Precision, double Recall, double Density, double Coverage, int K, long ReferenceCount, long SampleCount);
