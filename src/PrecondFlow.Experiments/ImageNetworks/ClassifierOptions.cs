namespace PrecondFlow.Images;

/// <summary>
/// How <see cref="ClassifierTraining"/> trains a <see cref="DigitClassifier"/>: AdamW with cosine decay to zero,
/// cross-entropy with label smoothing, optional random translations. A run lasts <see cref="Epochs"/> epochs, or more
/// when a small set would otherwise get fewer than <see cref="MinimumSteps"/> optimizer steps.
/// The defaults reach ≥ 98% on MNIST from 8 000 images and ≥ 90% on Fashion-MNIST from 60 000 in under 3 minutes on two cores.
/// </summary>
public sealed record ClassifierOptions
{
    public int Epochs { get; init; } = 3;
    /// <summary>Epochs are added until the run has at least this many steps (0: exactly <see cref="Epochs"/>).</summary>
    public int MinimumSteps { get; init; } = 1000;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 3e-3;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Random translations by up to <see cref="ShiftPixels"/> pixels, drawn per image and step.</summary>
    public bool Augment { get; init; } = false;
    public int ShiftPixels { get; init; } = 2;
    public double LabelSmoothing { get; init; } = 0.1;
    /// <summary>Network shape: C of <see cref="DigitClassifier"/>.</summary>
    public int Channels { get; init; } = 16;
    /// <summary>Network shape: F, the feature width.</summary>
    public int Features { get; init; } = 128;
    public double Dropout { get; init; } = 0.25;
    /// <summary>Network shape: number of classes.</summary>
    public int Classes { get; init; } = 10;
    /// <summary>The number of epochs a run over <paramref name="count"/> images lasts.</summary>
    public int EpochsFor(long count)
    {
        long stepsPerEpoch = (count + BatchSize - 1) / BatchSize;
        return (int)Math.Max(Epochs, (MinimumSteps + stepsPerEpoch - 1) / Math.Max(1, stepsPerEpoch));
    }

    /// <summary>Steps between entries of the loss trace.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first field out of range.</summary>
    public ClassifierOptions Validate()
    {
        Check(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Check(MinimumSteps >= 0, nameof(MinimumSteps), MinimumSteps, "non-negative");
        Check(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1 (128 is the default)");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "positive and finite (3e-3 is the default)");
        Check(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "non-negative");
        Check(ShiftPixels is >= 0 and <= 8, nameof(ShiftPixels), ShiftPixels, "in [0, 8]");
        Check(LabelSmoothing is >= 0 and < 1, nameof(LabelSmoothing), LabelSmoothing, "in [0, 1)");
        Check(Channels >= 1, nameof(Channels), Channels, "at least 1");
        Check(Features >= 1, nameof(Features), Features, "at least 1");
        Check(Classes >= 2, nameof(Classes), Classes, "at least 2");
        Check(Dropout is >= 0 and < 1, nameof(Dropout), Dropout, "in [0, 1)");
        Check(LogEvery >= 1, nameof(LogEvery), LogEvery, "at least 1");
        return this;
    }

    private static void Check(bool ok, string name, object value, string what)
    {
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value, $"ClassifierOptions.{name} must be {what}; got {value}.");
    }
}
