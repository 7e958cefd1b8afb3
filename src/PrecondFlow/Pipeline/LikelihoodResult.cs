using static TorchSharp.torch;

namespace PrecondFlow.Pipeline;

/// <summary>Log-likelihoods of points under a preconditioned model.</summary>
/// <param name="LogDensity">(n) log p(x) in nats.</param>
/// <param name="StandardError">(n) standard error of a Hutchinson estimate, or null when every term is exact.</param>
/// <param name="Dim">Data dimension.</param>
/// <param name="Exact">True when no term was estimated.</param>
public sealed record LikelihoodResult(Tensor LogDensity, Tensor? StandardError, int Dim, bool Exact)
{
    /// <summary>Mean log p(x) over the points.</summary>
    public double MeanLogDensity => LogDensity.to(ScalarType.Float64).mean().item<double>();

    /// <summary>Bits per dimension: −E[log p(x)] / (d · ln 2).</summary>
    public double BitsPerDimension => -MeanLogDensity / (Dim * Math.Log(2));

    /// <summary>Standard error of <see cref="MeanLogDensity"/> from the estimator (0 when exact).</summary>
    public double MeanStandardError => StandardError is null ? 0 : StandardError.to(ScalarType.Float64).square().sum().sqrt().item<double>() / StandardError.shape[0];
}
