using System.Globalization;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Reporting.Narratives;

/// <summary>The main flow that every arm shares, in one phrase for the fairness section.</summary>
internal static class MainFlowDescription
{
    /// <summary>Table 2's class-conditional latent flow, trained on <paramref name="count"/> latents.</summary>
    public static string Of(LatentFlowOptions flow, long count) => string.Create(CultureInfo.InvariantCulture,
        $"a class-conditional MLP velocity field (hidden layers {string.Join("-", flow.HiddenWidths)}, {flow.Activation}, one-hot labels, " +
        $"sinusoidal time features) trained by flow matching on the {flow.Path} path with AdamW (peak learning rate {flow.LearningRate:G3}, " +
        $"weight decay {flow.WeightDecay:G3}, 2% warm-up then cosine decay, gradient clipping at 1) for {flow.Epochs} epochs = " +
        $"{flow.Steps(flow.Epochs, count)} steps of {flow.BatchSize} latents, and sampled with {flow.Solver} in {flow.SolverSteps} steps");
}
