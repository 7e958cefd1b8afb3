namespace PrecondFlow.Training;

/// <summary>Linear warm-up followed by an optional cosine decay.</summary>
public static class LearningRateSchedule
{
    /// <summary>The learning rate for the 0-based <paramref name="step"/>.</summary>
    public static double At(int step, TrainingOptions o)
    {
        if (step < o.WarmupSteps)
            return o.LearningRate * (step + 1) / o.WarmupSteps;
        if (!o.CosineDecay)
            return o.LearningRate;
        int decaySteps = Math.Max(1, o.Steps - o.WarmupSteps);
        double progress = Math.Min(1.0, (double)(step - o.WarmupSteps) / decaySteps);
        double floor = o.MinLearningRateFraction * o.LearningRate;
        return floor + (o.LearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
