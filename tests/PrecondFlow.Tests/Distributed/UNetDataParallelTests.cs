using PrecondFlow.Data;
using PrecondFlow.Distributed;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// A UNet trains data-parallel like the MLP: N ranks with the same global minibatch train the UNet of one process,
/// dropout included. Each rank draws every dropout mask for the whole minibatch from the shared field stream and keeps
/// its rows, so the ranks drop what one process drops and their streams advance alike.
/// </summary>
public sealed class UNetDataParallelTests(ITestOutputHelper output)
{
    /// <summary>
    /// As for the image networks (DataParallelImageNetworkTests): reordered float32 sums and batch-size-dependent
    /// convolution rounding differ by ulps per step. A relative 1e-4 on the window losses and 1e-6 on the mean weight
    /// difference are far below what per-rank masks give (each rank drawing a mask for its own rows changes which
    /// activations drop, the losses by percents and the weights by whole steps); the largest single weight difference
    /// is bounded by one AdamW step, since a weight whose gradient is at rounding level gets a normalised step of up to lr.
    /// </summary>
    private const double MeanWeightTolerance = 1e-6;
    private const double RelativeLossTolerance = 1e-4;
    private const double LearningRate = 1e-3;

    private static readonly FieldConfig TinyUNet = new(Kind: "unet", Dim: 64, ImageShape: [1, 8, 8], BaseChannels: 8,
        ChannelMultipliers: [1, 2], ResBlocks: 1, AttentionResolutions: [4], Heads: 2, Dropout: 0.3, NormGroups: 4);

    private static TrainingOptions Options => new(Steps: 12, BatchSize: 12, LearningRate: LearningRate, WeightDecay: 0.01,
        GradientClip: 1.0, CosineDecay: false, LogEvery: 2, Seed: 3);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RanksTrainTheUNetOfOneProcessWithTheSameGlobalBatchDropoutIncluded(int ranks)
    {
        var images = Images();
        using var points = images.Points;
        var (singleLosses, singleWeights) = Train(images, parallel: null);
        var parallel = ThreadRanks.Run(ranks, c => Train(images, new DataParallel(c)));

        RankAgreement.Assert(output, singleLosses, singleWeights, parallel.Select(r => (r.Losses, r.Weights.AsEnumerable())).ToArray(),
            LearningRate, RelativeLossTolerance, MeanWeightTolerance);
        // Not vacuous: the run trained.
        Assert.True(Math.Abs(singleLosses[0] - singleLosses[^1]) / singleLosses[0] > 100 * RelativeLossTolerance,
            $"the loss barely moved: {singleLosses[0]} → {singleLosses[^1]}");
    }

    /// <summary>48 images of a bright bar on a dark ground, at seeded random rows, in [−1, 1].</summary>
    private static PointCloud Images()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var rows = randint(8, new long[] { 48 }, generator: generator);
        var pictures = full(new long[] { 48, 8, 8 }, -1f);
        for (int i = 0; i < 48; i++)
            pictures[i, rows[i].item<long>()] = tensor(1f);
        var noisy = pictures + 0.05f * randn(new long[] { 48, 8, 8 }, generator: generator);
        return new PointCloud(noisy.reshape(48, 64).MoveToOuterDisposeScope());
    }

    /// <summary>The loss trace and final weights of a run from the same initial weights (copies on the CPU).</summary>
    private static (double[] Losses, Tensor[] Weights) Train(PointCloud images, DataParallel? parallel)
    {
        using var generator = new Generator(5);
        using var field = VectorFields.Create(TinyUNet, generator);
        using var trainer = new FlowTrainer(field, new ModelSpec(TinyUNet, Path: "linear"), Options, parallel);
        var result = trainer.Train(images);
        var weights = field.parameters().Select(p => p.detach().clone()).ToArray();
        return (result.LossTrace.Select(p => p.Loss).ToArray(), weights);
    }
}
