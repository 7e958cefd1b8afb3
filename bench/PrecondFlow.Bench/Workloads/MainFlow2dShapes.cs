using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// The shapes of the ensemble workloads: K = 8 members of the 2-D main flow (MLP 2 + 16 sinusoidal time features → 64 →
/// 64 → 2, SiLU, linear path, flow matching), batch 256, AdamW with a rate per member, clipping at 1. The PyTorch
/// reference uses the same values.
/// </summary>
internal static class MainFlow2dShapes
{
    public const int Members = 8;
    public const int BatchSize = 256;
    public const int DataPoints = 10_000;

    public static FieldConfig Field { get; } = new(Kind: "mlp", Dim: 2, Hidden: new[] { 64, 64 }, Activation: "silu",
        Time: TimeEncoding.Sinusoidal, TimeFeatures: 16);

    public static ModelSpec Model { get; } = new(Field, Path: "linear", Objective: Objective.FlowMatching);

    /// <summary>Member k: seed k, constant rate 1e-3·(1 + k/4), no weight decay, clipping at 1, loss read back every 50 steps.</summary>
    public static TrainingOptions Training(int k) => new(Steps: int.MaxValue, BatchSize: BatchSize, LearningRate: 1e-3 * (1 + k / 4.0),
        WeightDecay: 0.0, WarmupSteps: 0, CosineDecay: false, GradientClip: 1.0, LogEvery: 50, Seed: k);

    /// <summary>Member k's initial weights, drawn from a generator seeded with 100 + k.</summary>
    public static MlpVectorField InitialMember(int k)
    {
        using var generator = new Generator(100 + (ulong)k);
        return (MlpVectorField)VectorFields.Create(Field, generator);
    }

    /// <summary>10 000 seeded 2-D points of an elongated Gaussian (axis scales 2 and 0.3), shared by all members.</summary>
    public static PointCloud Data(Device device)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var points = randn(new long[] { DataPoints, 2 }, generator: generator) * tensor(new[] { 2.0f, 0.3f });
        return new PointCloud(points.to(device).MoveToOuterDisposeScope());
    }
}
