using PrecondFlow.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// The exact density of a curve-plus-noise data set (<see cref="IHasGeneratingCurve"/>): a point is c(t) + σε with the
/// piece chosen uniformly, t uniform on the piece and ε ~ N(0, I₂), so p(x) = (1/K) Σₖ 1/(bₖ − aₖ) ∫ N(x; cₖ(t), σ²I) dt.
/// That is how <see cref="SwissRoll"/> draws (one piece, t uniform) and how <see cref="TwoMoons"/> draws (two equally likely
/// half circles, angle uniform). The integral is a midpoint rule on <c>gridPoints</c> parameters per piece, taken in log
/// space (log-sum-exp). Its error is negligible when the grid step along the curve, h·max‖c′‖, is well below σ (the
/// integrand is a Gaussian bump of width σ/‖c′‖ in t): for the unit Swiss roll at σ = 0.01 and the default grid,
/// h·max‖c′‖ ≈ 0.001 = 0.1σ. The data's differential entropy H = −E log p(X) then follows by Monte Carlo over a sample
/// (<see cref="Entropy"/>). float64 throughout, in chunks of points so that memory stays O(chunk · grid).
/// </summary>
public static class CurveDensity
{
    /// <summary>Default midpoint-rule parameters per piece.</summary>
    public const int DefaultGridPoints = 20_000;

    private const int Chunk = 256;

    /// <summary>log p(x) of every point.</summary>
    /// <param name="points">(n, 2) points.</param>
    /// <param name="curve">The generating curve (one or more pieces, each equally likely, its parameter uniform).</param>
    /// <param name="noise">σ of the isotropic noise (&gt; 0).</param>
    /// <param name="gridPoints">Midpoint-rule parameters per piece (≥ 2).</param>
    /// <returns>(n) float64 log densities, on the CPU.</returns>
    public static Tensor LogDensity(Tensor points, IReadOnlyList<CurvePiece> curve, double noise, int gridPoints = DefaultGridPoints)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Count == 0)
            throw new ArgumentException("Give at least one curve piece.", nameof(curve));
        if (!(noise > 0) || !double.IsFinite(noise))
            throw new ArgumentOutOfRangeException(nameof(noise), noise, $"The density of a curve plus noise needs σ > 0; got {noise}.");
        if (gridPoints < 2)
            throw new ArgumentOutOfRangeException(nameof(gridPoints), gridPoints, "The midpoint rule needs at least 2 points per piece, e.g. 20000.");
        if (points.dim() != 2 || points.shape[1] != 2)
            throw new ArgumentException($"Points must be (n, 2); got ({string.Join(", ", points.shape)}).", nameof(points));
        using var scope = NewDisposeScope();
        var x = points.to(ScalarType.Float64).cpu();
        // Every node carries weight (1/K)·(1/(b − a))·h = 1/(K·gridPoints): the midpoint rule of the uniform average.
        var nodes = cat(curve.Select(piece =>
        {
            var t = piece.Start + (piece.End - piece.Start) * (arange(gridPoints, ScalarType.Float64) + 0.5) / gridPoints;
            return piece.Point(t);
        }).ToArray(), 0);
        double logWeight = -Math.Log((double)curve.Count * gridPoints);
        double logNormaliser = -Math.Log(2 * Math.PI * noise * noise);
        var parts = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += Chunk)
        {
            using var chunkScope = NewDisposeScope();
            var block = x.slice(0, start, Math.Min(start + Chunk, x.shape[0]), 1);
            var squared = cdist(block, nodes).square();
            var logp = (-squared / (2 * noise * noise)).logsumexp(1) + logWeight + logNormaliser;
            parts.Add(logp.MoveToOuterDisposeScope());
        }
        return (parts.Count == 0 ? empty(0, ScalarType.Float64) : cat(parts.ToArray(), 0)).MoveToOuterDisposeScope();
    }

    /// <summary>The differential entropy H = −E log p(X), in nats, estimated as the mean of −log p over
    /// <paramref name="sample"/> (points drawn from the data set itself), with its standard error.</summary>
    /// <param name="sample">(n, 2) points drawn from the data set, n ≥ 2.</param>
    /// <param name="curve">The generating curve.</param>
    /// <param name="noise">σ of the noise.</param>
    /// <param name="gridPoints">Midpoint-rule parameters per piece.</param>
    public static (double Nats, double StandardError) Entropy(Tensor sample, IReadOnlyList<CurvePiece> curve, double noise,
        int gridPoints = DefaultGridPoints)
    {
        if (sample.shape[0] < 2)
            throw new ArgumentException("The entropy's Monte Carlo estimate needs at least 2 points.", nameof(sample));
        using var scope = NewDisposeScope();
        var nll = -LogDensity(sample, curve, noise, gridPoints);
        return (nll.mean().item<double>(), nll.std().item<double>() / Math.Sqrt(sample.shape[0]));
    }
}
