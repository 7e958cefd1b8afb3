namespace PrecondFlow.Images;

/// <summary>Cosine learning-rate decay from the base rate to zero over a run, after an optional linear warm-up.</summary>
internal static class CosineDecay
{
    /// <summary>The learning rate for the 0-based <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public static double At(int step, int totalSteps, double baseRate, int warmupSteps = 0)
    {
        if (step < warmupSteps)
            return baseRate * (step + 1) / warmupSteps;
        double progress = Math.Min(1.0, (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps));
        return baseRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
