using PrecondFlow.Bench.Workloads;
using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Measurement;

/// <summary>
/// What a soak run trains: the Table-4 MLP on its 64-d latents, or the bench's UNet on 1×28×28 images (seeded noise,
/// as in <see cref="UNetTrainingStep"/>) with a chosen width and batch, so that a CPU can run thousands of steps of
/// the same architecture.
/// </summary>
/// <param name="Name">"table4" or "unet".</param>
/// <param name="Field">The vector field.</param>
/// <param name="Training">The trainer's options for a run of a given number of steps.</param>
internal sealed record SoakModel(string Name, FieldConfig Field, Func<int, TrainingOptions> Training)
{
    public static IReadOnlyList<string> Names { get; } = ["table4", "unet"];

    public string Shape => Name == "unet"
        ? $"UNet 1×28×28, {Field.BaseChannels} ch ×({string.Join(",", Field.Multipliers)}), batch {Training(1).BatchSize}"
        : $"Table-4 MLP, batch {Training(1).BatchSize}";

    public static SoakModel Table4 { get; } = new("table4", PaperShapes.Field, PaperShapes.Training);

    /// <summary>The bench's default UNet with <paramref name="channels"/> channels at the first level (groups shrink
    /// with it: at most 32, dividing the channels) and minibatches of <paramref name="batchSize"/>.</summary>
    public static SoakModel UNet(int channels, int batchSize)
    {
        if (channels < 4 || channels % 4 != 0)
            throw new ArgumentOutOfRangeException(nameof(channels), channels,
                $"--soak-unet-channels must be a positive multiple of 4 (the 4 attention heads); got {channels}.");
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"--soak-batch must be positive; got {batchSize}.");
        var field = UNetTrainingStep.Field with { BaseChannels = channels, NormGroups = Math.Min(32, channels / 2) };
        return new SoakModel("unet", field, steps => new TrainingOptions(Steps: steps, BatchSize: batchSize, LearningRate: 1e-3,
            WeightDecay: 0.01, GradientClip: 1.0, CosineDecay: false, LogEvery: 50, Seed: PaperShapes.Seed));
    }

    /// <summary>The model's training data on <paramref name="device"/>.</summary>
    public PointCloud Data(Device device)
    {
        if (Name != "unet")
            return PaperShapes.Data(device);
        using var generator = new Generator((ulong)PaperShapes.Seed + 1);
        return new PointCloud(randn(new long[] { 1024, Field.Dim }, generator: generator).to(device));
    }

    public ModelSpec Spec => Name == "unet" ? new ModelSpec(Field, Path: "linear") : PaperShapes.Model;

    /// <summary>The field, seeded as the bench's workloads are.</summary>
    public VectorField CreateField()
    {
        if (Name != "unet")
        {
            manual_seed(PaperShapes.Seed);
            return new MlpVectorField(PaperShapes.Field);
        }
        using var generator = new Generator((ulong)PaperShapes.Seed);
        return VectorFields.Create(Field, generator);
    }
}
