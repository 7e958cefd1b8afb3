using PrecondFlow.Data.Internal;
using PrecondFlow.IO;
using PrecondFlow.LinearAlgebra;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// The whole set of metrics of a generated set against a prepared <see cref="ReferenceSet"/> in one call: the
/// distances in data units (dominated by the wide directions), the same distances in the reference's whitened
/// coordinates (every direction counts alike), MMD at fixed bandwidths, precision/recall/density/coverage
/// (fidelity and diversity apart), the recovery of the covariance spectrum (thin directions), and the distance to
/// the generating curve when the data set has one.
/// </summary>
public static class SampleQualityMetrics
{
    /// <summary>Evaluates <paramref name="samples"/> against <paramref name="reference"/>. Deterministic given the seed.</summary>
    /// <param name="reference">The prepared reference set.</param>
    /// <param name="samples">(m, d) generated points, m &gt; k and m ≥ 2.</param>
    /// <param name="labels">(m) integer labels of the samples, or null; with reference labels, spectra are compared per class.</param>
    /// <param name="seed">Seed of the subsampling (MMD, energy) and of the sliced distances' directions.</param>
    /// <param name="options">Settings; defaults when null.</param>
    public static SampleQuality Evaluate(ReferenceSet reference, Tensor samples, Tensor? labels = null, long seed = 0,
        SampleQualityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        options ??= new SampleQualityOptions();
        options.Validate();
        PointChecks.Points(samples, nameof(samples), "Sample quality", minimumCount: Math.Max(2, reference.K + 1L), dim: reference.Dim);
        if (labels is not null)
            PointChecks.Labels(samples, labels, "Sample quality");

        using var scope = NewDisposeScope();
        var y = samples.detach().to_type(ScalarType.Float64);
        var distances = DistributionMetrics.Compare(y, reference.Points, seed, options.Distances);
        var whitened = reference.Whitening is { } whitening
            ? DistributionMetrics.Compare(whitening.Apply(y), reference.WhitenedPoints!, seed, options.Distances with { FeatureExtractor = null })
            : null;
        var fixedMmd = options.MmdBandwidths.Count > 0
            ? MaximumMeanDiscrepancy.AtBandwidths(y, reference.Points, options.MmdBandwidths, seed, options.Distances.MaxSamples)
            : null;
        var neighbours = PrecisionRecall.Compute(reference.Points - reference.Mean, reference.Radii, y - reference.Mean, reference.K);
        var spectrum = SpectrumRecovery.FromCovariances(reference.Covariance, SampleCovariance.Of(y));
        var perClass = labels is not null && reference.Labels is not null
            ? SpectrumRecovery.PerClass(reference.Points, reference.Labels, y, labels)
            : null;
        var curve = reference.Curve is { } known
            ? CurveDistance.Summarize(y, known, options.CurveGridPoints)
            : null;
        return new SampleQuality(distances, whitened, fixedMmd, neighbours, spectrum, perClass, curve);
    }

    /// <summary>Writes the metrics as one flat JSON object (keys in <see cref="SampleQuality"/>).</summary>
    public static void WriteJson(string path, SampleQuality quality) => Json.WriteFile(path, quality);
}
