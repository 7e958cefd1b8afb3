using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>What one step of a <see cref="TrainingLoop"/> computes.</summary>
/// <param name="Objective">The scalar that is differentiated, with its graph.</param>
/// <param name="Terms">(k) values to average and report per logging window, the objective first (e.g. a total and
/// its parts); null reports the objective alone.</param>
public sealed record StepLoss(Tensor Objective, Tensor? Terms = null);

/// <summary>The mean of each logged term over the steps of one logging window, read back from the device once.</summary>
/// <param name="Step">Steps done when the window closed.</param>
/// <param name="Means">Mean of each term of <see cref="StepLoss.Terms"/> (or of the objective alone) over the window.</param>
public sealed record LossWindow(int Step, IReadOnlyList<double> Means)
{
    /// <summary>The mean objective over the window.</summary>
    public double Loss => Means[0];

    /// <summary>The mean global gradient norm over the window, measured before clipping; NaN when unknown.</summary>
    public double GradientNorm { get; init; } = double.NaN;

    /// <summary>The learning rate of the window's last step; NaN when unknown.</summary>
    public double LearningRate { get; init; } = double.NaN;
}
