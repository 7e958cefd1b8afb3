namespace PrecondFlow.Training;

/// <summary>Reported every <see cref="TrainingOptions.LogEvery"/> steps.</summary>
/// <param name="Step">Steps done so far.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Loss">Mean loss over the last logging window.</param>
/// <param name="LearningRate">The learning rate of the window's last step; NaN when unknown.</param>
/// <param name="GradientNorm">Mean global gradient norm over the window, before clipping; NaN when unknown.</param>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double LearningRate = double.NaN, double GradientNorm = double.NaN);

/// <summary>One point of the loss trace: the mean loss over the <see cref="TrainingOptions.LogEvery"/> steps ending at Step.</summary>
/// <param name="Step">Steps done when the window closed.</param>
/// <param name="Loss">Mean loss over the window.</param>
public sealed record LossPoint(int Step, double Loss);

/// <summary>The outcome of a training run.</summary>
/// <param name="LossTrace">The whole loss trace so far, resumed runs included.</param>
/// <param name="Steps">Optimizer steps done in total.</param>
/// <param name="Seconds">Wall-clock seconds of training in total, summed over resumptions.</param>
public sealed record TrainingResult(IReadOnlyList<LossPoint> LossTrace, int Steps, double Seconds);
