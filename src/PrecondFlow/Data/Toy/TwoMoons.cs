using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>
/// Two interleaving half circles as scikit-learn's <c>make_moons</c> draws them, shifted by
/// (−0.5, −0.25) so that the distribution has mean zero: with θ ~ U[0, π], moon 0 is
/// (cos θ, sin θ) − (0.5, 0.25) and moon 1 is (1 − cos θ, 0.5 − sin θ) − (0.5, 0.25), plus
/// <see cref="Noise"/>·ε with ε ~ N(0, I₂). Each point picks its moon with probability ½ (not an
/// exact half split as in scikit-learn); the label is the moon.
/// </summary>
public sealed class TwoMoons : ToyDataset, IHasGeneratingCurve
{
    /// <param name="noise">Standard deviation of the isotropic Gaussian noise (≥ 0).</param>
    public TwoMoons(double noise = 0.05)
    {
        if (!double.IsFinite(noise) || noise < 0)
            throw new ArgumentOutOfRangeException(nameof(noise), noise, $"The moons' noise must be a finite value ≥ 0, e.g. 0.05; got {noise}.");
        Noise = noise;
    }

    /// <summary>Standard deviation of the isotropic Gaussian noise (default 0.05).</summary>
    public double Noise { get; }

    /// <inheritdoc/>
    public override string Name => "moons";

    /// <summary>2: the label is the moon.</summary>
    public override int NumClasses => 2;

    /// <summary>The two half circles, θ ∈ [0, π]: (cos θ − 0.5, sin θ − 0.25) and (0.5 − cos θ, 0.25 − sin θ).</summary>
    public IReadOnlyList<CurvePiece> GeneratingCurve { get; } =
    [
        new CurvePiece(0, Math.PI, theta => stack([cos(theta) - 0.5, sin(theta) - 0.25], dim: 1)),
        new CurvePiece(0, Math.PI, theta => stack([0.5 - cos(theta), 0.25 - sin(theta)], dim: 1)),
    ];

    /// <inheritdoc/>
    protected override (Tensor Points, Tensor? Labels) SampleFloat64(long count, Generator generator)
    {
        var device = generator.device;
        var labels = randint(0, 2, [count], ScalarType.Int64, device, generator: generator);
        var theta = Math.PI * rand(count, ScalarType.Float64, device, generator: generator);
        var outer = stack([cos(theta) - 0.5, sin(theta) - 0.25], dim: 1);
        var inner = stack([0.5 - cos(theta), 0.25 - sin(theta)], dim: 1);
        var moons = where(labels.eq(0).unsqueeze(1), outer, inner);
        var noise = randn(count, 2, ScalarType.Float64, device, generator: generator);
        return (moons + Noise * noise, labels);
    }
}
