namespace PrecondFlow.Data.Toy;

/// <summary>
/// The tunable parameters of the named toy data sets; each data set reads only those that concern it.
/// </summary>
/// <param name="Noise">swiss-roll and moons: standard deviation of the isotropic noise (defaults 0.05);
/// 8gaussians: standard deviation of each Gaussian (default 0.2). Null: the data set's default. Must be ≥ 0.</param>
/// <param name="Kappa">elongated-gaussian: condition number κ = λ_max/λ_min of the covariance (≥ 1).</param>
/// <param name="AngleDegrees">elongated-gaussian: angle of the long axis, in degrees.</param>
/// <param name="MaxVariance">elongated-gaussian: the largest variance λ_max (> 0).</param>
/// <param name="Radius">8gaussians: radius of the circle of centres (> 0).</param>
/// <param name="Extent">checkerboard: the board covers [−Extent, Extent]² (> 0).</param>
public sealed record ToyDatasetOptions(
    double? Noise = null,
    double Kappa = 100,
    double AngleDegrees = 30,
    double MaxVariance = 1,
    double Radius = 2,
    double Extent = 2)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (Noise is { } noise && (!double.IsFinite(noise) || noise < 0))
            throw new ArgumentOutOfRangeException(nameof(Noise), noise, $"Noise must be a finite value ≥ 0, e.g. 0.05; got {noise}.");
        if (!double.IsFinite(Kappa) || Kappa < 1)
            throw new ArgumentOutOfRangeException(nameof(Kappa), Kappa, $"The condition number κ must be a finite value ≥ 1, e.g. 100; got {Kappa}.");
        if (!double.IsFinite(AngleDegrees))
            throw new ArgumentOutOfRangeException(nameof(AngleDegrees), AngleDegrees, $"The angle must be a finite number of degrees, e.g. 30; got {AngleDegrees}.");
        if (!double.IsFinite(MaxVariance) || MaxVariance <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxVariance), MaxVariance, $"The largest variance must be a finite value > 0, e.g. 1; got {MaxVariance}.");
        if (!double.IsFinite(Radius) || Radius <= 0)
            throw new ArgumentOutOfRangeException(nameof(Radius), Radius, $"The radius must be a finite value > 0, e.g. 2; got {Radius}.");
        if (!double.IsFinite(Extent) || Extent <= 0)
            throw new ArgumentOutOfRangeException(nameof(Extent), Extent, $"The extent must be a finite value > 0, e.g. 2; got {Extent}.");
    }
}
