using PrecondFlow.Distributed;
using PrecondFlow.Images;
using PrecondFlow.Tests.Distributed;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.ImageNetworks;

/// <summary>
/// The classifier and the VAE of table2 train data-parallel like the main flow: N ranks with the same global minibatch
/// train the network of one process. Every rank draws the same minibatch, translations, dropout masks and
/// reparameterisation noise for the whole batch and keeps its rows, so the only difference is the order of float32
/// sums (per-slice means averaged instead of one mean), and the loss traces and final weights agree to float32 rounding.
/// </summary>
public sealed class DataParallelImageNetworkTests(ITestOutputHelper output)
{
    /// <summary>
    /// Reordered float32 sums differ by a few ulps (relative ~1e-7) per step, and libtorch's convolutions round
    /// differently for different batch sizes. Measured after 12 steps: window losses within 4·10⁻⁶ relative, weights
    /// within 2·10⁻⁸ … 2·10⁻⁷ on average. A relative 1e-4 on the losses and 1e-6 on the mean weight difference leave
    /// margins of 25 and 5 or more, and are far below what a wrong split gives (one slice alone, a mask or noise drawn
    /// per slice, or an unweighted short slice change the losses by percents and nearly every weight by whole steps).
    /// The largest single difference is bounded by one AdamW step (lr) only: a weight whose gradient is at rounding
    /// level (~0.1% of them, e.g. of a nearly dead feature) gets AdamW's normalised step m/√v, of size up to lr in a
    /// direction set by rounding noise (measured: up to 0.4 lr).
    /// </summary>
    private const double MeanWeightTolerance = 1e-6;
    private const double RelativeLossTolerance = 1e-4;

    // 100 images in batches of 30: the last batch of each epoch (10 rows) splits unevenly over 3 ranks.
    private static readonly ClassifierOptions Classifier = new()
    {
        Channels = 4, Features = 16, Classes = 2, Epochs = 3, MinimumSteps = 0, BatchSize = 30, LearningRate = 1e-2, LogEvery = 2,
        Augment = true, ShiftPixels = 2, Dropout = 0.25,
    };

    private static readonly VaeOptions Vae = new()
    {
        Channels = 4, LatentDim = 8, Epochs = 3, BatchSize = 30, LearningRate = 3e-3, WarmupSteps = 2, LogEvery = 2,
        PerceptualWeight = 0.01, KlWeight = 1e-3,
    };

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RanksTrainTheClassifierOfOneProcessWithTheSameGlobalBatch(int ranks)
    {
        var (x, y) = SyntheticShapes.Make(100, seed: 11);
        var single = ClassifierTraining.Train(x, y, Classifier, seed: 12);
        var parallel = ThreadRanks.Run(ranks, c => ClassifierTraining.Train(x, y, Classifier, seed: 12, parallel: new DataParallel(c)));
        Compare(single.LossTrace.Select(p => p.Loss).ToArray(), single.Classifier.parameters(),
            parallel.Select(r => (r.LossTrace.Select(p => p.Loss).ToArray(), r.Classifier.parameters())).ToArray(), Classifier.LearningRate);
        AssertTrained(single.LossTrace[0].Loss, single.LossTrace[^1].Loss);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RanksTrainTheVaeOfOneProcessWithTheSameGlobalBatch(int ranks)
    {
        var (x, _) = SyntheticShapes.Make(100, seed: 13);
        manual_seed(14);
        using var perceptual = new DigitClassifier(new ClassifierOptions { Channels = 4, Features = 16, Classes = 2 });
        var single = VaeTraining.Train(x, perceptual, Vae, seed: 15);
        var parallel = ThreadRanks.Run(ranks, c => VaeTraining.Train(x, perceptual, Vae, seed: 15, parallel: new DataParallel(c)));
        // Every term of the loss, not only the total: the KL and the perceptual term are weighted per slice too.
        static double[] Terms(VaeTrainingResult r) => r.LossTrace.SelectMany(p => new[] { p.Total, p.Mse, p.Perceptual, p.Kl }).ToArray();
        Compare(Terms(single), single.Vae.parameters(), parallel.Select(r => (Terms(r), r.Vae.parameters())).ToArray(), Vae.LearningRate);
        AssertTrained(single.LossTrace[0].Total, single.LossTrace[^1].Total);
    }

    private void Compare(double[] expectedLosses, IEnumerable<Parameter> expectedWeights,
        (double[] Losses, IEnumerable<Parameter> Weights)[] ranks, double learningRate) =>
        RankAgreement.Assert(output, expectedLosses, expectedWeights,
            ranks.Select(r => (r.Losses, r.Weights.Cast<Tensor>())).ToArray(), learningRate, RelativeLossTolerance, MeanWeightTolerance);

    /// <summary>Not vacuous: training moved the loss by far more than the tolerance.</summary>
    private static void AssertTrained(double first, double last) =>
        Assert.True(Math.Abs(first - last) / Math.Abs(first) > 100 * RelativeLossTolerance, $"the loss barely moved: {first} → {last}");
}
