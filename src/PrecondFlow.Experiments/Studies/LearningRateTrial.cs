namespace PrecondFlow.Experiments.Studies;

/// <summary>One point of the learning-rate grid of one arm.</summary>
/// <param name="Arm">The arm's name.</param>
/// <param name="LearningRate">The rate tried.</param>
/// <param name="ValidationLoss">Flow-matching loss on the validation split, in the arm's own space (P(x)), with a fixed
/// seeded set of (t, x₀) draws; NaN when training diverged.</param>
public sealed record LearningRateTrial(string Arm, double LearningRate, double ValidationLoss);
