using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// The shapes and hyper-parameters shared by the workloads, taken from the paper's MNIST-latent experiment
/// (Table 4: class-conditional MLP on 64-d latents, two hidden layers of 128, batch 4096, AdamW, sine–cosine path)
/// and its RealNVP preconditioner (6 couplings, MLPs of 2×256). The PyTorch reference uses the same values.
/// </summary>
internal static class PaperShapes
{
    public const int Dim = 64;
    public const int Classes = 10;
    public const int BatchSize = 4096;
    public const int DataPoints = 60_000;
    public const int SamplePoints = 10_000;
    public const int SolverSteps = 100;
    public const long Seed = 0;

    /// <summary>MLP 64 + 16 sinusoidal time features + 16-d label embedding → 128 → 128 → 64, SiLU.</summary>
    public static FieldConfig Field { get; } = new(Kind: "mlp", Dim: Dim, NumClasses: Classes, Hidden: new[] { 128, 128 },
        Activation: "silu", Time: TimeEncoding.Sinusoidal, TimeFeatures: 16, Labels: LabelEncoding.Embedding, LabelFeatures: 16);

    public static ModelSpec Model { get; } = new(Field, Path: "sine-cosine", Objective: Objective.FlowMatching);

    /// <summary>
    /// AdamW at a constant 1e-3 with weight decay 0.01 (PyTorch's default), global-norm clipping at 1, label dropout
    /// 0.1 (classifier-free guidance), uniform times, loss read back every 50 steps, no EMA.
    /// </summary>
    public static TrainingOptions Training(int steps) => new(Steps: steps, BatchSize: BatchSize, LearningRate: 1e-3,
        WeightDecay: 0.01, WarmupSteps: 0, CosineDecay: false, GradientClip: 1.0, EmaDecay: null, LabelDropout: 0.1,
        LogEvery: 50, Seed: Seed);

    /// <summary>
    /// The paper's RealNVP (6 affine couplings, scale-and-shift MLPs of 2×256, ReLU), unconditional, trained by maximum
    /// likelihood with AdamW (1e-3, weight decay 1e-5, cosine decay), clipping at norm 10, batch 4096. The
    /// invertibility check after training uses 256 points, a negligible share of a repetition.
    /// </summary>
    public static RealNvpOptions RealNvp(int steps) => new(Couplings: 6, Hidden: 256, HiddenLayers: 2, Steps: steps,
        BatchSize: BatchSize, LearningRate: 1e-3, WeightDecay: 1e-5, CosineDecay: true, MaxGradNorm: 10.0, LogEvery: 50,
        Seed: Seed, InvertibilitySamples: 256);

    /// <summary>
    /// 60 000 labelled 64-d float32 points: ten Gaussian classes with means 2·N(0, I) and per-axis standard deviations
    /// 10^(−2i/63), i = 0…63, so Cov x is ill-conditioned the way image latents are (κ ≈ 10⁴ within a class).
    /// </summary>
    public static PointCloud Data(Device device)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)Seed + 1);
        var labels = randint(Classes, new long[] { DataPoints }, dtype: ScalarType.Int64, generator: generator);
        var means = 2 * randn(new long[] { Classes, Dim }, generator: generator);
        var scales = pow(10.0, arange(Dim, dtype: ScalarType.Float32) * (-2.0 / (Dim - 1)));
        var points = means.index_select(0, labels) + randn(new long[] { DataPoints, Dim }, generator: generator) * scales;
        return new PointCloud(points.to(device).MoveToOuterDisposeScope(), labels.to(device).MoveToOuterDisposeScope(), Classes);
    }
}
