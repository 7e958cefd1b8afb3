using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies.Internal;
using PrecondFlow.Metrics;
using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>One RealNVP training length of the ablation.</summary>
/// <param name="Steps">Maximum-likelihood training steps.</param>
/// <param name="HeldOutNll">Per seed, −mean log p_P(x) over the test split, in nats: log p_P(x) = log N(P(x); 0, I) + log|det ∂P/∂x|.</param>
/// <param name="SlitCorrelation">Per seed, Spearman's rank correlation between ‖∂P⁻¹/∂z‖₂ and the distance of P⁻¹(z) to the
/// generating curve, z ~ N(0, I): positive when the points P⁻¹ sends off the curve are where it stretches space.</param>
/// <param name="NormByDistanceQuartile">Per seed, the mean ‖∂P⁻¹/∂z‖₂ in each quartile of the distance to the curve (nearest first).</param>
public sealed record QualityLevel(int Steps, IReadOnlyList<double> HeldOutNll, IReadOnlyList<double> SlitCorrelation,
    IReadOnlyList<IReadOnlyList<double>> NormByDistanceQuartile);

/// <summary>The preconditioner-quality ablation and slit check of one Swiss-roll regime.</summary>
/// <param name="RegimeId">The regime.</param>
/// <param name="Entropy">The data's differential entropy in nats (the best NLL any model can reach), estimated as the exact
/// density's mean −log p over the pooled test splits (<see cref="CurveDensity"/>), and its standard error.</param>
/// <param name="Levels">One entry per RealNVP training length.</param>
public sealed record QualityAblation(string RegimeId, (double Nats, double StandardError) Entropy, IReadOnlyList<QualityLevel> Levels);

/// <summary>
/// How good a preconditioner RealNVP is on the Swiss roll, at several training lengths: its held-out NLL next to the data's
/// entropy (the gap is KL(p ‖ p_P) ≥ 0, up to sampling error), and the slit mechanism: whether P⁻¹ stretches space most
/// where it sends Gaussian points off the curve. Same splits and seeds as the regime's study.
/// </summary>
public static class PreconditionerQuality
{
    /// <summary>The training lengths of the default budget.</summary>
    public static IReadOnlyList<int> DefaultSteps { get; } = [250, 1000, 4000, 16000];

    /// <summary>Gaussian points per seed of the slit check.</summary>
    public const int SlitPoints = 2000;

    /// <summary>Runs the ablation on <paramref name="regime"/> (a regime with a generating curve).</summary>
    /// <param name="regime">A Swiss-roll regime: its data, splits, seeds and RealNVP options.</param>
    /// <param name="steps">RealNVP training lengths.</param>
    /// <param name="progress">Receives (fits done, status) after each fit: one per length and seed.</param>
    public static QualityAblation Run(StudyRegime regime, IReadOnlyList<int> steps, IProgress<(double Done, string Status)>? progress = null)
    {
        var curve = regime.Data.Curve ?? throw new ArgumentException($"Regime {regime.Id} has no generating curve.", nameof(regime));
        var options = regime.Options;
        using var scope = NewDisposeScope();
        var splits = Enumerable.Range(0, options.Seeds)
            .Select(s => DataSplit.Of(regime.Data.Points, options.ValidationFraction, options.TestFraction, s)).ToArray();
        var entropy = CurveDensity.Entropy(cat(splits.Select(s => s.Test.Points).ToArray(), 0), curve.GeneratingCurve, curve.Noise);
        var levels = new List<QualityLevel>();
        var realNvp = options.PreconditionerSettings.RealNvp ?? new RealNvpOptions();
        foreach (var length in steps)
        {
            var nll = new List<double>();
            var correlation = new List<double>();
            var quartiles = new List<IReadOnlyList<double>>();
            for (int seed = 0; seed < splits.Length; seed++)
            {
                progress?.Report((levels.Count * splits.Length + seed, $"{length} steps, seed {seed + 1}/{splits.Length}"));
                using var seedScope = NewDisposeScope();
                using var p = new RealNvp(2, realNvp with { Steps = length, Epochs = 0 });
                var fit = p.Fit(splits[seed].Train, seed);
                if (!fit.Passed)
                    throw new InvalidOperationException($"RealNVP ({length} steps, seed {seed}) failed its invertibility check.");
                nll.Add(HeldOutNll(p, splits[seed].Test.Points));
                using var generator = new Generator(unchecked((ulong)(ConvergenceStudy.SamplingSeed + seed)));
                var z = randn(SlitPoints, 2, generator: generator);
                var (rho, means) = Slit(p, z, curve.GeneratingCurve);
                correlation.Add(rho);
                quartiles.Add(means);
            }
            levels.Add(new QualityLevel(length, nll, correlation, quartiles));
        }
        progress?.Report((steps.Count * splits.Length, "done"));
        return new QualityAblation(regime.Id, entropy, levels);
    }

    /// <summary>−mean log p_P(x) in nats: log p_P(x) = −½‖P(x)‖² − (d/2) log 2π + log|det ∂P/∂x|.</summary>
    public static double HeldOutNll(IPreconditioner p, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (z, logDet) = p.Forward(x);
        long d = z.shape[1];
        var logp = -0.5 * z.to(ScalarType.Float64).square().sum(1) - 0.5 * d * Math.Log(2 * Math.PI) + logDet.to(ScalarType.Float64);
        return -logp.mean().item<double>();
    }

    /// <summary>Spearman's rank correlation between ‖∂P⁻¹/∂z‖₂ and the distance of P⁻¹(z) to the curve, and the mean norm
    /// in each quartile of that distance (nearest first).</summary>
    /// <param name="p">A fitted, unconditional 2-D preconditioner whose inverse is differentiable.</param>
    /// <param name="z">(n, 2) points of P's output space, n ≥ 4.</param>
    /// <param name="curve">The generating curve in data units.</param>
    public static (double Correlation, IReadOnlyList<double> QuartileMeans) Slit(IPreconditioner p, Tensor z, IReadOnlyList<CurvePiece> curve)
    {
        using var scope = NewDisposeScope();
        var norms = InverseJacobian.SpectralNorms(p, z);
        Tensor x;
        using (no_grad())
            x = p.Inverse(z);
        var distances = CurveDistance.Compute(x.to(ScalarType.Float64), curve);
        double rho = Pearson(Ranks(norms), Ranks(distances));
        var order = distances.argsort();
        long n = z.shape[0];
        var means = Enumerable.Range(0, 4).Select(q =>
            norms.index_select(0, order.slice(0, q * n / 4, (q + 1) * n / 4, 1)).mean().item<double>()).ToArray();
        return (rho, means);
    }

    /// <summary>Ranks 0 … n−1 as float64 (ties broken by position; continuous values have none almost surely).</summary>
    private static Tensor Ranks(Tensor values) => values.argsort().argsort().to(ScalarType.Float64);

    private static double Pearson(Tensor a, Tensor b)
    {
        var ca = a - a.mean();
        var cb = b - b.mean();
        return ((ca * cb).sum() / (ca.square().sum().sqrt() * cb.square().sum().sqrt())).item<double>();
    }
}
