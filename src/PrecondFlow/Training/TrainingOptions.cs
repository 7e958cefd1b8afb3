using System.Text.Json.Serialization;
using PrecondFlow.Couplings;
using PrecondFlow.Paths;

namespace PrecondFlow.Training;

/// <summary>Minibatch AdamW training settings, with their defaults.</summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="BatchSize">Points per minibatch (drawn with replacement).</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay.</param>
/// <param name="WarmupSteps">Linear warm-up to the peak over these steps: 0-based step i runs at peak·(i + 1)/WarmupSteps.</param>
/// <param name="CosineDecay">Cosine decay from the peak to <paramref name="MinLearningRateFraction"/>·peak after warm-up.</param>
/// <param name="MinLearningRateFraction">Floor of the cosine decay, as a fraction of the peak.</param>
/// <param name="GradientClip">Maximum global gradient norm, or null for none.</param>
/// <param name="EmaDecay">Decay of an exponential moving average of the weights (after its warm-up, see
/// <see cref="ExponentialMovingAverage"/>), or null for none.</param>
/// <param name="LabelDropout">Probability of replacing a label by "no label" (classifier-free guidance).</param>
/// <param name="Time">How training times are drawn.</param>
/// <param name="LogEvery">Loss is read back from the device (and recorded) every this many steps.</param>
/// <param name="Seed">Seed of every random draw of the training loop.</param>
/// <param name="Coupling">How x₀ and x₁ of a minibatch are paired (see <see cref="CouplingOptions"/>); null: independently.</param>
/// <param name="Bridge">Noise σ around the straight path (I-CFM or SB-CFM, linear path and flow matching only); null: none.</param>
public sealed record TrainingOptions(
    int Steps = 2000,
    int BatchSize = 256,
    double LearningRate = 1e-3,
    double WeightDecay = 0.0,
    int WarmupSteps = 0,
    bool CosineDecay = true,
    double MinLearningRateFraction = 0.0,
    double? GradientClip = 1.0,
    double? EmaDecay = null,
    double LabelDropout = 0.0,
    TimeSampling? Time = null,
    int LogEvery = 50,
    long Seed = 0,
    CouplingOptions? Coupling = null,
    BridgeNoise? Bridge = null)
{
    /// <summary><see cref="Coupling"/>, or the independent coupling when it is null.</summary>
    [JsonIgnore]
    public CouplingOptions CouplingOrDefault => Coupling ?? new CouplingOptions();

    /// <summary><see cref="Bridge"/>, or no noise (σ = 0) when it is null.</summary>
    [JsonIgnore]
    public BridgeNoise BridgeOrDefault => Bridge ?? new BridgeNoise();

    /// <summary><see cref="Time"/>, or uniform times when it is null.</summary>
    public TimeSampling TimeSampling => Time ?? new TimeSampling();

    /// <summary>Checks every field's range and the time sampling.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The field out of range; the message names it.</exception>
    public void Validate()
    {
        if (Steps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"Training needs at least one step; got {Steps}.");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"The batch size must be at least 1; got {BatchSize}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be a positive number.");
        if (!(WeightDecay >= 0))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "The weight decay cannot be negative.");
        if (WarmupSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, "Warm-up steps cannot be negative.");
        if (!(MinLearningRateFraction >= 0 && MinLearningRateFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinLearningRateFraction), MinLearningRateFraction, "The learning-rate floor is a fraction in [0, 1].");
        if (GradientClip is { } clip && !(clip > 0))
            throw new ArgumentOutOfRangeException(nameof(GradientClip), clip, "The gradient clip must be positive (or off).");
        if (EmaDecay is { } d && !(d > 0 && d < 1))
            throw new ArgumentOutOfRangeException(nameof(EmaDecay), d, "The EMA decay is a number in (0, 1), e.g. 0.999.");
        if (!(LabelDropout >= 0 && LabelDropout < 1))
            throw new ArgumentOutOfRangeException(nameof(LabelDropout), LabelDropout, "Label dropout is a probability in [0, 1).");
        if (LogEvery < 1)
            throw new ArgumentOutOfRangeException(nameof(LogEvery), LogEvery, "Log at least every step (LogEvery >= 1).");
        TimeSampling.Validate();
        CouplingOrDefault.Validate();
        BridgeOrDefault.Validate();
    }
}
