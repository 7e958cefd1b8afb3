using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>
/// Eight isotropic Gaussians of standard deviation <see cref="Std"/> whose centres sit on a circle
/// of radius <see cref="Radius"/> at angles 2πk/8, k = 0..7, chosen with equal probability. The label
/// is k. Defaults: radius 2, standard deviation 0.2 (neighbouring centres are 2·2·sin(π/8) ≈ 1.53
/// apart, about 7.7 standard deviations, so the modes are clearly separated).
/// </summary>
public sealed class EightGaussians : ToyDataset
{
    /// <param name="radius">Radius of the circle of centres (> 0).</param>
    /// <param name="std">Standard deviation of each Gaussian (≥ 0).</param>
    public EightGaussians(double radius = 2.0, double std = 0.2)
    {
        if (!double.IsFinite(radius) || radius <= 0)
            throw new ArgumentOutOfRangeException(nameof(radius), radius, $"The radius of the 8 Gaussians must be a finite value > 0, e.g. 2; got {radius}.");
        if (!double.IsFinite(std) || std < 0)
            throw new ArgumentOutOfRangeException(nameof(std), std, $"The standard deviation of the 8 Gaussians must be a finite value ≥ 0, e.g. 0.2; got {std}.");
        Radius = radius;
        Std = std;
    }

    /// <summary>Radius of the circle of centres (default 2).</summary>
    public double Radius { get; }

    /// <summary>Standard deviation of each Gaussian (default 0.2).</summary>
    public double Std { get; }

    /// <inheritdoc/>
    public override string Name => "8gaussians";

    /// <summary>8: the label is the Gaussian's index k.</summary>
    public override int NumClasses => 8;

    /// <summary>Centre of Gaussian <paramref name="label"/>: Radius·(cos 2πk/8, sin 2πk/8).</summary>
    public (double X, double Y) Centre(int label)
    {
        if (label is < 0 or > 7)
            throw new ArgumentOutOfRangeException(nameof(label), label, "The 8 Gaussians are labelled 0 to 7.");
        var angle = 2 * Math.PI * label / 8;
        return (Radius * Math.Cos(angle), Radius * Math.Sin(angle));
    }

    /// <inheritdoc/>
    protected override (Tensor Points, Tensor? Labels) SampleFloat64(long count, Generator generator)
    {
        var device = generator.device;
        var labels = randint(0, 8, [count], ScalarType.Int64, device, generator: generator);
        var angle = labels.to(ScalarType.Float64) * (2 * Math.PI / 8);
        var centres = Radius * stack([cos(angle), sin(angle)], dim: 1);
        var noise = randn(count, 2, ScalarType.Float64, device, generator: generator);
        return (centres + Std * noise, labels);
    }
}
