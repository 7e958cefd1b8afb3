using PrecondFlow.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.ImageNetworks;

public class VaeTrainingTests
{
    // Tiny network, 64 images, a few epochs: enough for the loss to fall clearly, about a second on two cores.
    private static readonly VaeOptions Tiny = new()
    {
        Channels = 4, LatentDim = 8, Epochs = 6, BatchSize = 16, LearningRate = 3e-3, WarmupSteps = 4, LogEvery = 4,
        PerceptualWeight = 0.01, KlWeight = 1e-3,
    };

    private static DigitClassifier SmallClassifier()
    {
        manual_seed(9);
        return new DigitClassifier(new ClassifierOptions { Channels = 4, Features = 16, Classes = 2 });
    }

    [Fact]
    public void Training_lowers_the_loss_and_the_reconstruction_error()
    {
        var (x, _) = SyntheticShapes.Make(64, seed: 1);
        manual_seed(2);
        var untrained = new ConvVae(Tiny);
        double before = VaeTraining.ReconstructionError(untrained, x);
        var result = VaeTraining.Train(x, SmallClassifier(), Tiny, seed: 3);
        double after = VaeTraining.ReconstructionError(result.Vae, x);
        // An untrained sigmoid decoder outputs ≈ 0.5 everywhere (error ≈ 0.2); a trained one must at least halve it.
        Assert.True(after < 0.5 * before, $"reconstruction error {before:F4} → {after:F4}");
        var first = result.LossTrace[0];
        var last = result.LossTrace[^1];
        Assert.True(last.Total < first.Total && last.Mse < first.Mse, $"loss {first} → {last}");
        Assert.True(last.Perceptual > 0, "with a classifier the perceptual term is active");
        Assert.Equal(last.Mse + Tiny.PerceptualWeight * last.Perceptual + Tiny.KlWeight * last.Kl, last.Total, 1e-5);
        Assert.False(result.Vae.training);
    }

    [Fact]
    public void Training_lowers_the_loss_and_the_reconstruction_error_with_a_spatial_latent_too()
    {
        var spatial = Tiny with { LatentChannels = 4 };
        var (x, _) = SyntheticShapes.Make(64, seed: 1);
        manual_seed(2);
        double before = VaeTraining.ReconstructionError(new ConvVae(spatial), x);
        var result = VaeTraining.Train(x, SmallClassifier(), spatial, seed: 3);
        double after = VaeTraining.ReconstructionError(result.Vae, x);
        Assert.True(after < 0.5 * before, $"reconstruction error {before:F4} → {after:F4}");
        var first = result.LossTrace[0];
        var last = result.LossTrace[^1];
        Assert.True(last.Total < first.Total && last.Mse < first.Mse, $"loss {first} → {last}");
        // The KL term sums over all 4·8·8 latent numbers.
        Assert.True(last.Kl > 0);
        Assert.Equal(last.Mse + spatial.PerceptualWeight * last.Perceptual + spatial.KlWeight * last.Kl, last.Total, 1e-5);
        Assert.Equal(new long[] { 64, 256 }, VaeTraining.EncodeMeans(result.Vae, x).shape);
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_weights()
    {
        var (x, _) = SyntheticShapes.Make(32, seed: 4);
        var options = Tiny with { Epochs = 1 };
        var a = VaeTraining.Train(x, SmallClassifier(), options, seed: 5).Vae.parameters().ToArray();
        var b = VaeTraining.Train(x, SmallClassifier(), options, seed: 5).Vae.parameters().ToArray();
        Assert.All(a.Zip(b), p => Assert.True(p.First.Equals(p.Second)));
        var c = VaeTraining.Train(x, SmallClassifier(), options, seed: 6).Vae.parameters().ToArray();
        Assert.False(a[0].Equals(c[0]), "another seed gives other weights");
    }

    [Fact]
    public void The_perceptual_classifier_is_left_untouched()
    {
        var (x, _) = SyntheticShapes.Make(32, seed: 7);
        var classifier = SmallClassifier();
        classifier.train();
        var before = classifier.parameters().Select(p => p.detach().clone()).ToArray();
        VaeTraining.Train(x, classifier, Tiny with { Epochs = 1 }, seed: 8);
        var after = classifier.parameters().ToArray();
        Assert.All(before.Zip(after), p => Assert.True(p.First.Equals(p.Second)));
        Assert.All(after, p => Assert.Null(p.grad));
        Assert.All(after, p => Assert.True(p.requires_grad, "the requires-grad flags are restored"));
        Assert.True(classifier.training, "the training flag is restored");
    }

    [Fact]
    public void EncodeMeans_returns_the_posterior_means_in_batches()
    {
        var (x, _) = SyntheticShapes.Make(10, seed: 9);
        manual_seed(10);
        var vae = new ConvVae(Tiny);
        vae.eval();
        var means = VaeTraining.EncodeMeans(vae, x, batchSize: 3);
        Assert.Equal(new long[] { 10, 8 }, means.shape);
        Assert.Equal(ScalarType.Float32, means.dtype);
        using var _ = no_grad();
        // Batches of 3 versus one batch of 10: the same convolutions up to float32 summation order.
        Assert.True(means.allclose(vae.Encode(x).Mean, rtol: 1e-5, atol: 1e-6));
    }
}
