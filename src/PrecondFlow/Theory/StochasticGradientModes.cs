using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Theory;

/// <summary>
/// Stochastic gradient descent on the Gaussian regression, resolved along the Hessian's
/// eigendirections: e_{k+1} = (1 − ηλ_i)e_k + ηξ_k with ξ_k ~ N(0, σ_i²) (SPEC §3, eq. 17, 68–69).
/// The stationary variance of each mode is η²σ_i²/(1 − (1 − ηλ_i)²) = ησ_i²/(2λ_i − ηλ_i²) (eq. 70–71);
/// how it depends on λ_i is set by the noise model (<see cref="SgdNoise"/>). The noise is drawn from a
/// seeded torch generator in float64, so runs are reproducible.
/// </summary>
public static class StochasticGradientModes
{
    /// <summary>One SGD run from <paramref name="initialError"/> (all ones when null).</summary>
    /// <param name="eigenvalues">λ_i &gt; 0 of the Hessian.</param>
    /// <param name="steps">Number of steps.</param>
    /// <param name="seed">Seed of the gradient noise.</param>
    /// <param name="learningRate">η; 1/λ_max when null (see <see cref="GradientDescentModes"/>).</param>
    /// <param name="noise">The noise model; σ_i² = λ_i when null.</param>
    /// <param name="initialError">e_0 per direction.</param>
    public static EigenmodeTrajectory Run(IReadOnlyList<double> eigenvalues, int steps, long seed = 0,
        double? learningRate = null, SgdNoise? noise = null, IReadOnlyList<double>? initialError = null)
    {
        GradientDescentModes.CheckEigenvalues(eigenvalues);
        if (steps < 0)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "The number of steps cannot be negative.");
        noise ??= new SgdNoise();
        noise.Validate();
        var eta = learningRate ?? GradientDescentModes.DefaultLearningRate(eigenvalues);
        var error = GradientDescentModes.InitialError(eigenvalues, initialError);
        var d = eigenvalues.Count;
        var factor = eigenvalues.Select(l => 1 - eta * l).ToArray();
        var kick = eigenvalues.Select(l => eta * Math.Sqrt(noise.Variance(l))).ToArray();
        var errors = new List<double[]>(steps + 1) { error };
        using var generator = new Generator(unchecked((ulong)seed));
        foreach (var (start, count, xi) in NoiseChunks(steps, chains: 1, d, generator))
        {
            for (var k = 0; k < count; k++)
            {
                var previous = errors[^1];
                var next = new double[d];
                for (var i = 0; i < d; i++)
                    next[i] = factor[i] * previous[i] + kick[i] * xi[k * d + i];
                errors.Add(next);
            }
        }
        return new EigenmodeTrajectory(eigenvalues.ToArray(), eta, errors);
    }

    /// <summary>The stationary variance ησ_i²/(2λ_i − ηλ_i²) of each mode (eq. 70–71); +∞ where |1 − ηλ_i| ≥ 1.</summary>
    public static double[] PredictedStationaryVariance(IReadOnlyList<double> eigenvalues, double learningRate, SgdNoise? noise = null)
    {
        GradientDescentModes.CheckEigenvalues(eigenvalues);
        noise ??= new SgdNoise();
        noise.Validate();
        return eigenvalues.Select(l =>
        {
            var denominator = 2 * l - learningRate * l * l;
            return denominator > 0 ? learningRate * noise.Variance(l) / denominator : double.PositiveInfinity;
        }).ToArray();
    }

    /// <summary>
    /// Measures the stationary variance of each mode by simulation: <paramref name="chains"/> independent
    /// runs from e = 0, a burn-in, then the mean of e_i² over chains and steps.
    /// </summary>
    /// <param name="eigenvalues">λ_i &gt; 0 of the Hessian.</param>
    /// <param name="seed">Seed of the gradient noise.</param>
    /// <param name="learningRate">η; 1/λ_max when null.</param>
    /// <param name="noise">The noise model; σ_i² = λ_i when null.</param>
    /// <param name="chains">Independent runs averaged together.</param>
    /// <param name="burnIn">Steps discarded; 5/(ηλ_min) when null, after which the start has decayed by e⁻¹⁰.</param>
    /// <param name="samplingSteps">Steps averaged; 20/(ηλ_min) when null (about 40 autocorrelation times of
    /// the slowest mode's e², which decorrelates like (1 − ηλ)²ᵏ).</param>
    /// <returns>One measured variance per direction.</returns>
    public static double[] MeasureStationaryVariance(IReadOnlyList<double> eigenvalues, long seed = 0,
        double? learningRate = null, SgdNoise? noise = null, int chains = 64, int? burnIn = null, int? samplingSteps = null)
    {
        GradientDescentModes.CheckEigenvalues(eigenvalues);
        if (chains < 1)
            throw new ArgumentOutOfRangeException(nameof(chains), chains, "Run at least one chain.");
        noise ??= new SgdNoise();
        noise.Validate();
        var eta = learningRate ?? GradientDescentModes.DefaultLearningRate(eigenvalues);
        var slowest = eta * eigenvalues.Min();
        if (eigenvalues.Any(l => Math.Abs(1 - eta * l) >= 1))
            throw new ArgumentOutOfRangeException(nameof(learningRate), eta,
                $"Step size {eta:G6} has no stationary regime; use η < 2/λ_max = {2 / eigenvalues.Max():G6}.");
        var burn = burnIn ?? (int)Math.Ceiling(5 / slowest);
        var sampling = samplingSteps ?? (int)Math.Ceiling(20 / slowest);
        if (burn < 0 || sampling < 1)
            throw new ArgumentOutOfRangeException(nameof(samplingSteps),
                $"Need burnIn ≥ 0 and samplingSteps ≥ 1; got {burn} and {sampling}.");

        var d = eigenvalues.Count;
        var factor = eigenvalues.Select(l => 1 - eta * l).ToArray();
        var kick = eigenvalues.Select(l => eta * Math.Sqrt(noise.Variance(l))).ToArray();
        var error = new double[chains * d];
        var sumOfSquares = new double[d];
        using var generator = new Generator(unchecked((ulong)seed));
        foreach (var (start, count, xi) in NoiseChunks(burn + sampling, chains, d, generator))
        {
            for (var k = 0; k < count; k++)
            {
                var offset = k * chains * d;
                var measuring = start + k >= burn;
                for (var c = 0; c < chains; c++)
                {
                    for (var i = 0; i < d; i++)
                    {
                        var j = c * d + i;
                        var e = factor[i] * error[j] + kick[i] * xi[offset + j];
                        error[j] = e;
                        if (measuring)
                            sumOfSquares[i] += e * e;
                    }
                }
            }
        }
        return sumOfSquares.Select(s => s / ((double)sampling * chains)).ToArray();
    }

    /// <summary>Standard normal noise for (steps, chains, d), handed out in chunks of bounded memory.</summary>
    private static IEnumerable<(int Start, int Count, double[] Values)> NoiseChunks(int steps, int chains, int d, Generator generator)
    {
        var perStep = (long)chains * d;
        var chunk = (int)Math.Max(1, Math.Min(steps, (1L << 20) / perStep));
        for (var start = 0; start < steps; start += chunk)
        {
            var count = Math.Min(chunk, steps - start);
            using var values = randn(new long[] { count, chains, d }, dtype: ScalarType.Float64, generator: generator);
            yield return (start, count, values.data<double>().ToArray());
        }
    }
}
