namespace PrecondFlow.Training;

/// <summary>
/// The learning-rate schedule of every training loop: linear warm-up from PeakRate/WarmupSteps to PeakRate over
/// <paramref name="WarmupSteps"/> steps, then either constant or a cosine decay to
/// <paramref name="FloorFraction"/>·PeakRate at step <paramref name="TotalSteps"/>.
/// </summary>
/// <param name="PeakRate">The rate after warm-up.</param>
/// <param name="TotalSteps">Steps of the whole run (the cosine reaches its floor there).</param>
/// <param name="WarmupSteps">Steps of the linear warm-up; 0 for none.</param>
/// <param name="Cosine">Cosine decay after warm-up; false keeps the peak rate.</param>
/// <param name="FloorFraction">Floor of the cosine decay, as a fraction of the peak, in [0, 1].</param>
public sealed record LearningRateSchedule(double PeakRate, int TotalSteps, int WarmupSteps = 0, bool Cosine = true, double FloorFraction = 0.0)
{
    /// <summary>The schedule <paramref name="options"/> describe.</summary>
    public static LearningRateSchedule For(TrainingOptions options) =>
        new(options.LearningRate, options.Steps, options.WarmupSteps, options.CosineDecay, options.MinLearningRateFraction);

    /// <summary>The learning rate for the 0-based <paramref name="step"/>.</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
            return PeakRate * (step + 1) / WarmupSteps;
        if (!Cosine)
            return PeakRate;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        double floor = FloorFraction * PeakRate;
        return floor + (PeakRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>Checks the ranges of the fields.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate that is not positive and finite, TotalSteps &lt; 1, WarmupSteps &lt; 0,
    /// or a floor outside [0, 1].</exception>
    public void Validate()
    {
        if (!(PeakRate > 0) || !double.IsFinite(PeakRate))
            throw new ArgumentOutOfRangeException(nameof(PeakRate), PeakRate, "The learning rate must be a positive number.");
        if (TotalSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(TotalSteps), TotalSteps, $"Training needs at least one step; got {TotalSteps}.");
        if (WarmupSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, "Warm-up steps cannot be negative.");
        if (!(FloorFraction >= 0 && FloorFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(FloorFraction), FloorFraction, "The learning-rate floor is a fraction in [0, 1].");
    }
}
