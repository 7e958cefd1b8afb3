namespace PrecondFlow.Preconditioning;

/// <summary>Architecture and training settings of a <see cref="RealNvp"/> preconditioner (paper §4.1, App. F.1).</summary>
/// <param name="Couplings">Affine coupling layers; the paper uses 6.</param>
/// <param name="Hidden">Units per hidden layer of each coupling's scale-and-shift MLP; the paper uses 256.</param>
/// <param name="HiddenLayers">Hidden layers of that MLP (ReLU); the paper uses 2.</param>
/// <param name="ScaleBound">B in the soft clamp s = B·tanh(raw / B) of each log-scale: one coupling scales a coordinate
/// by at most e^B, which keeps exp(s) and its inverse finite whatever the MLP outputs.</param>
/// <param name="Steps">Optimiser steps when <paramref name="Epochs"/> is 0.</param>
/// <param name="Epochs">Passes over the data; when positive it overrides <paramref name="Steps"/>
/// (steps = epochs × ⌊n / batch⌋, the last incomplete batch of each pass being dropped).</param>
/// <param name="BatchSize">Points per step (capped at the number of points).</param>
/// <param name="LearningRate">AdamW's peak learning rate.</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay.</param>
/// <param name="CosineDecay">Whether the learning rate follows ½(1 + cos(π·step/steps)) from the peak to 0.</param>
/// <param name="MaxGradNorm">Gradient clipping: the global gradient norm is scaled down to at most this; 0 turns it off.</param>
/// <param name="LogEvery">The mean loss of each window of this many steps (and of the last, shorter one) is read back into
/// the trace and the progress callback; reading it more often would synchronise every step.</param>
/// <param name="Seed">Seed of the permutations, the initial weights and the batch order: same seed, same map.</param>
/// <param name="InvertibilityThreshold">Largest round-trip error (see <see cref="InvertibilityCheck"/>, float32) that the
/// check after training accepts.</param>
/// <param name="InvertibilitySamples">Training points the check after training uses (a seeded random subset).</param>
public sealed record RealNvpOptions(
    int Couplings = 6,
    int Hidden = 256,
    int HiddenLayers = 2,
    double ScaleBound = 2.0,
    int Steps = 2000,
    int Epochs = 0,
    int BatchSize = 512,
    double LearningRate = 1e-3,
    double WeightDecay = 1e-5,
    bool CosineDecay = true,
    double MaxGradNorm = 10.0,
    int LogEvery = 50,
    long Seed = 0,
    double InvertibilityThreshold = InvertibilityCheck.Float32Threshold,
    int InvertibilitySamples = 4096)
{
    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Couplings < 1)
            throw new ArgumentOutOfRangeException(nameof(Couplings), Couplings,
                $"RealNVP needs at least one coupling layer; got {Couplings}. The paper uses 6.");
        if (Hidden < 1)
            throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden,
                $"Each coupling's MLP needs at least one hidden unit; got {Hidden}. The paper uses 256.");
        if (HiddenLayers < 1)
            throw new ArgumentOutOfRangeException(nameof(HiddenLayers), HiddenLayers,
                $"Each coupling's MLP needs at least one hidden layer; got {HiddenLayers}. The paper uses 2.");
        if (!(ScaleBound > 0) || !double.IsFinite(ScaleBound))
            throw new ArgumentOutOfRangeException(nameof(ScaleBound), ScaleBound,
                $"The log-scale bound must be a positive number (e.g. 2); got {ScaleBound}.");
        if (Epochs < 0)
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs,
                $"Epochs cannot be negative; got {Epochs}. Use 0 to train for a number of steps instead.");
        if (Epochs == 0 && Steps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps,
                $"Training needs at least one step; got {Steps}. Alternatively set Epochs.");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"The batch size must be positive; got {BatchSize}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate,
                $"The learning rate must be a positive number (e.g. 1e-3); got {LearningRate}.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay,
                $"The weight decay must be zero or positive; got {WeightDecay}.");
        if (!(MaxGradNorm >= 0) || !double.IsFinite(MaxGradNorm))
            throw new ArgumentOutOfRangeException(nameof(MaxGradNorm), MaxGradNorm,
                $"The gradient-clipping norm must be positive, or 0 to turn clipping off; got {MaxGradNorm}.");
        if (LogEvery < 1)
            throw new ArgumentOutOfRangeException(nameof(LogEvery), LogEvery,
                $"The loss must be read back every 1 or more steps; got {LogEvery}.");
        if (!(InvertibilityThreshold > 0))
            throw new ArgumentOutOfRangeException(nameof(InvertibilityThreshold), InvertibilityThreshold,
                $"The invertibility threshold must be positive (e.g. 1e-3); got {InvertibilityThreshold}.");
        if (InvertibilitySamples < 1)
            throw new ArgumentOutOfRangeException(nameof(InvertibilitySamples), InvertibilitySamples,
                $"The invertibility check needs at least one sample; got {InvertibilitySamples}.");
    }
}
