using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// Flow-matching training steps of the default UNet on 1×28×28 images through <see cref="FlowTrainer"/>: minibatch
/// draw, linear path, forward, backward, clipping at 1, AdamW; one step per item. The images are seeded noise: the cost
/// of a step does not depend on what they show.
/// </summary>
internal sealed class UNetTrainingStep : IWorkload
{
    public const int BatchSize = 64;
    private const int Images = 1024;

    /// <summary>The default UNet (64 channels, multipliers 1,2,2, 2 residual blocks, attention at 7×7, 4 heads,
    /// dropout 0.1, 32 groups), unconditional.</summary>
    public static FieldConfig Field { get; } = new(Kind: "unet", Dim: 28 * 28, ImageShape: new[] { 1, 28, 28 });

    private PointCloud? data;
    private FlowTrainer? trainer;

    public string Name => "unet-train-step";

    public string Shape => $"UNet 1×28×28, 64 ch ×(1,2,2), 2 res blocks, attention at 7, batch {BatchSize}, AdamW";

    public string Unit => "steps";

    public int ItemsPerRepetition => 1;

    public void Setup(Device device)
    {
        using (var g = new Generator(PaperShapes.Seed + 1))
            data = new PointCloud(randn(new long[] { Images, Field.Dim }, generator: g).to(device));
        using var generator = new Generator(PaperShapes.Seed);
        var field = VectorFields.Create(Field, generator);
        field.to(device);
        trainer = new FlowTrainer(field, new ModelSpec(Field, Path: "linear"),
            new TrainingOptions(Steps: int.MaxValue, BatchSize: BatchSize, LearningRate: 1e-3, WeightDecay: 0.01, GradientClip: 1.0,
                CosineDecay: false, LogEvery: 50, Seed: PaperShapes.Seed));
    }

    /// <summary>Forward 2·M and backward 4·M per image (M: multiply-adds of the convolutions, attention products and
    /// linear layers, <see cref="FlopCounts.UNetMultiplyAdds"/>), times the batch.</summary>
    public double? FlopsPerItem => 6.0 * FlopCounts.UNetMultiplyAdds(Field) * BatchSize;

    public void Run()
    {
        var t = trainer ?? throw new InvalidOperationException("Setup was not called.");
        t.Train(data!, untilStep: t.Step + 1);
    }

    public void Dispose()
    {
        if (trainer is not null)
        {
            trainer.Field.Dispose();
            trainer.Dispose();
        }
        data?.Points.Dispose();
    }
}
