using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>
/// The Swiss roll as scikit-learn's <c>make_swiss_roll</c> draws it, projected on its (x, z) plane:
/// t ~ U[1.5π, 4.5π], point = (t·cos t, t·sin t) / <see cref="ScaleDivisor"/> + <see cref="Noise"/>·ε with
/// ε ~ N(0, I₂). The default divisor, 7, gives each coordinate a standard deviation close to 1 (exactly
/// √(E[t²]/2 ∓ 1/4 − m²)/7 with E[t²] = 9.75π²: 0.946 for x, whose mean is 2/7, and 0.993 for z,
/// whose mean is 2/(21π)); divisor 1 keeps scikit-learn's raw coordinates (standard deviations 6.62 and 6.95).
/// The noise level and the generating curve are in the scaled units. Unlabelled.
/// </summary>
public sealed class SwissRoll : ToyDataset, IHasGeneratingCurve
{
    /// <summary>The default divisor applied to scikit-learn's coordinates (unit scale).</summary>
    public const double Divisor = 7.0;

    /// <param name="noise">Standard deviation of the isotropic Gaussian noise, in scaled units (≥ 0).</param>
    /// <param name="divisor">Divides scikit-learn's coordinates: 7 (the default) for unit scale, 1 for the raw scale (&gt; 0).</param>
    public SwissRoll(double noise = 0.05, double divisor = Divisor)
    {
        if (!double.IsFinite(noise) || noise < 0)
            throw new ArgumentOutOfRangeException(nameof(noise), noise, $"The Swiss roll's noise must be a finite value ≥ 0, e.g. 0.05; got {noise}.");
        if (!double.IsFinite(divisor) || divisor <= 0)
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor,
                $"The Swiss roll's divisor must be a finite value > 0: 7 for unit scale, 1 for scikit-learn's raw coordinates; got {divisor}.");
        Noise = noise;
        ScaleDivisor = divisor;
    }

    /// <summary>The divisor applied to scikit-learn's coordinates: 7 (<see cref="Divisor"/>) by default, 1 for the raw scale.</summary>
    public double ScaleDivisor { get; }

    /// <summary>Standard deviation of the isotropic Gaussian noise, in the scaled units (default 0.05).</summary>
    public double Noise { get; }

    /// <inheritdoc/>
    public override string Name => "swiss-roll";

    /// <summary>The spiral t ↦ (t·cos t, t·sin t) / <see cref="ScaleDivisor"/>, t ∈ [1.5π, 4.5π].</summary>
    public IReadOnlyList<CurvePiece> GeneratingCurve
    {
        get
        {
            var divisor = ScaleDivisor;
            return [new CurvePiece(1.5 * Math.PI, 4.5 * Math.PI, t => stack([t * cos(t), t * sin(t)], dim: 1) / divisor)];
        }
    }

    /// <inheritdoc/>
    protected override (Tensor Points, Tensor? Labels) SampleFloat64(long count, Generator generator)
    {
        var device = generator.device;
        var t = 1.5 * Math.PI * (1 + 2 * rand(count, ScalarType.Float64, device, generator: generator));
        var curve = stack([t * cos(t), t * sin(t)], dim: 1) / ScaleDivisor;
        var noise = randn(count, 2, ScalarType.Float64, device, generator: generator);
        return (curve + Noise * noise, null);
    }
}
