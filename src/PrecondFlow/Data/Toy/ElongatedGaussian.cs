using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>
/// The ill-conditioned 2D Gaussian of the paper's Fig. 2: N(μ, Σ) with Σ = R(θ)·diag(λ_max, λ_min)·R(θ)ᵀ,
/// λ_max = <see cref="MaxVariance"/>, λ_min = λ_max/κ (κ = <see cref="Kappa"/> is the condition
/// number) and R(θ) the rotation by <see cref="AngleDegrees"/>, so the long axis points along
/// (cos θ, sin θ). Unlabelled. <see cref="Mean"/> and <see cref="Covariance"/> give the exact
/// parameters in float64 for closed-form checks (SPEC §3).
/// </summary>
public sealed class ElongatedGaussian : ToyDataset
{
    private readonly double[] mean;

    /// <param name="kappa">Condition number κ = λ_max/λ_min of the covariance (≥ 1).</param>
    /// <param name="angleDegrees">Angle of the long axis from the first coordinate axis, in degrees.</param>
    /// <param name="maxVariance">The largest variance λ_max (> 0).</param>
    /// <param name="meanX">First coordinate of the mean.</param>
    /// <param name="meanY">Second coordinate of the mean.</param>
    public ElongatedGaussian(double kappa = 100, double angleDegrees = 30, double maxVariance = 1, double meanX = 0, double meanY = 0)
    {
        if (!double.IsFinite(kappa) || kappa < 1)
            throw new ArgumentOutOfRangeException(nameof(kappa), kappa, $"The condition number κ must be a finite value ≥ 1, e.g. 100; got {kappa}.");
        if (!double.IsFinite(angleDegrees))
            throw new ArgumentOutOfRangeException(nameof(angleDegrees), angleDegrees, $"The angle must be a finite number of degrees, e.g. 30; got {angleDegrees}.");
        if (!double.IsFinite(maxVariance) || maxVariance <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxVariance), maxVariance, $"The largest variance must be a finite value > 0, e.g. 1; got {maxVariance}.");
        if (!double.IsFinite(meanX) || !double.IsFinite(meanY))
            throw new ArgumentOutOfRangeException(nameof(meanX), (meanX, meanY), $"The mean must be finite; got ({meanX}, {meanY}).");
        Kappa = kappa;
        AngleDegrees = angleDegrees;
        MaxVariance = maxVariance;
        mean = [meanX, meanY];
    }

    /// <summary>κ = λ_max/λ_min, the covariance's condition number (default 100).</summary>
    public double Kappa { get; }

    /// <summary>θ, the angle of the long axis from the first coordinate axis, in degrees (default 30).</summary>
    public double AngleDegrees { get; }

    /// <summary>λ_max, the variance along the long axis.</summary>
    public double MaxVariance { get; }

    /// <summary>λ_min = λ_max/κ, the variance along the short axis.</summary>
    public double MinVariance => MaxVariance / Kappa;

    /// <inheritdoc/>
    public override string Name => "elongated-gaussian";

    /// <summary>μ, a new (2) float64 CPU tensor on each call (the caller owns it).</summary>
    public Tensor Mean => tensor(mean, ScalarType.Float64);

    /// <summary>Σ, a new (2, 2) float64 CPU tensor on each call (the caller owns it).</summary>
    public Tensor Covariance => tensor(RotatedCovariance(MaxVariance, MinVariance, AngleDegrees), [2, 2], ScalarType.Float64);

    /// <summary>
    /// R(θ)·diag(major, minor)·R(θ)ᵀ flattened row by row, computed in closed form:
    /// [[a·c² + b·s², (a − b)·c·s], [(a − b)·c·s, a·s² + b·c²]].
    /// </summary>
    internal static double[] RotatedCovariance(double major, double minor, double angleDegrees)
    {
        var (s, c) = Math.SinCos(angleDegrees * Math.PI / 180);
        var offDiagonal = (major - minor) * c * s;
        return [major * c * c + minor * s * s, offDiagonal, offDiagonal, major * s * s + minor * c * c];
    }

    /// <inheritdoc/>
    protected override (Tensor Points, Tensor? Labels) SampleFloat64(long count, Generator generator)
    {
        var device = generator.device;
        var (s, c) = Math.SinCos(AngleDegrees * Math.PI / 180);
        // Columns: the long axis (c, s) scaled by √λ_max, the short axis (−s, c) scaled by √λ_min.
        var factor = tensor(new[]
        {
            c * Math.Sqrt(MaxVariance), -s * Math.Sqrt(MinVariance),
            s * Math.Sqrt(MaxVariance), c * Math.Sqrt(MinVariance),
        }, [2, 2], ScalarType.Float64, device);
        var z = randn(count, 2, ScalarType.Float64, device, generator: generator);
        return (z.matmul(factor.T) + tensor(mean, ScalarType.Float64, device), null);
    }
}
