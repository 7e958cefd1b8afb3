namespace PrecondFlow.Metrics;

/// <summary>How far a point set lies from a data set's generating curve (see <see cref="CurveDistance"/>).</summary>
/// <param name="Mean">Mean Euclidean distance to the curve.</param>
/// <param name="Percentile99">99th percentile of the distances (linear interpolation between order statistics).</param>
/// <param name="ShareBeyondThreeSigma">Share of points farther than 3σ from the curve, σ = <paramref name="Noise"/>.
/// For the data itself about 0.3% (the normal component of the noise beyond 3σ; a little more at the curve's ends).</param>
/// <param name="Noise">σ, the data set's noise standard deviation.</param>
/// <param name="Count">Points measured.</param>
public sealed record CurveDistanceSummary(double Mean, double Percentile99, double ShareBeyondThreeSigma, double Noise, long Count);
