using System.Globalization;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Reporting.Narratives;

/// <summary>The main flow that every arm shares, in one phrase for the fairness section.</summary>
internal static class MainFlowDescription
{
    /// <summary>The 2D experiments' main flow.</summary>
    public static string Of(MainFlowBudget budget) => string.Create(CultureInfo.InvariantCulture,
        $"an MLP velocity field with hidden layers {string.Join("-", budget.Hidden)} (SiLU, sinusoidal time features, " +
        $"{budget.ParameterCount():N0} parameters), trained by flow matching on the linear path with AdamW (peak learning rate {budget.LearningRate:G3}, " +
        $"2% warm-up then cosine decay, gradient clipping at 1) for {budget.Steps} steps of {budget.BatchSize} points, and sampled with {budget.Solver} in {budget.SolverSteps} steps");

    /// <summary>Table 2's class-conditional latent flow, trained on <paramref name="count"/> latents.</summary>
    public static string Of(LatentFlowOptions flow, long count) => string.Create(CultureInfo.InvariantCulture,
        $"a class-conditional MLP velocity field (hidden layers {string.Join("-", flow.HiddenWidths)}, {flow.Activation}, one-hot labels, " +
        $"sinusoidal time features) trained by flow matching on the {flow.Path} path with AdamW (peak learning rate {flow.LearningRate:G3}, " +
        $"weight decay {flow.WeightDecay:G3}, 2% warm-up then cosine decay, gradient clipping at 1) for {flow.Epochs} epochs = " +
        $"{flow.Steps(flow.Epochs, count)} steps of {flow.BatchSize} latents, and sampled with {flow.Solver} in {flow.SolverSteps} steps");
}
