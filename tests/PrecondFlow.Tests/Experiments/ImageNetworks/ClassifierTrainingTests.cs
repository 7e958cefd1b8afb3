using PrecondFlow.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.ImageNetworks;

public class ClassifierTrainingTests
{
    // A narrow network and a short run: the task is separable, so this is plenty and keeps the test near a second.
    private static readonly ClassifierOptions Tiny = new()
    {
        Channels = 4, Features = 16, Classes = 2, Epochs = 8, MinimumSteps = 0, BatchSize = 32, LearningRate = 1e-2, LogEvery = 8,
    };

    [Fact]
    public void Learns_a_separable_synthetic_task_to_full_accuracy_on_held_out_images()
    {
        var (x, y) = SyntheticShapes.Make(256, seed: 1);
        var (xt, yt) = SyntheticShapes.Make(200, seed: 2);
        var result = ClassifierTraining.Train(x, y, Tiny, seed: 3);
        // Exact: bars of the two orientations never overlap in shape, so a trained CNN makes no mistake.
        Assert.True(ClassifierTraining.Accuracy(result.Classifier, xt, yt) == 1.0, $"accuracy {ClassifierTraining.Accuracy(result.Classifier, xt, yt)}, losses {string.Join(", ", result.LossTrace.Select(p => p.Loss.ToString("F3")))}");
        Assert.False(result.Classifier.training);
        Assert.Equal(8 * 256 / 32, result.LossTrace[^1].Step);
        Assert.True(result.LossTrace[^1].Loss < result.LossTrace[0].Loss, "the training loss should fall");
        Assert.True(result.Seconds > 0);
    }

    [Fact]
    public void Features_are_n_by_F_and_deterministic_even_in_training_mode()
    {
        manual_seed(4);
        var classifier = new DigitClassifier(Tiny with { Dropout = 0.5 });
        var (x, _) = SyntheticShapes.Make(5, seed: 5);
        classifier.train();
        using var _ = no_grad();
        var first = classifier.Features(x);
        var second = classifier.Features(x);
        Assert.Equal(new long[] { 5, 16 }, first.shape);
        // Bit-identical: the feature trunk has no dropout, so the training flag must not matter.
        Assert.True(first.Equals(second));
        Assert.Equal(new long[] { 5, 2 }, classifier.call(x).shape);
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_weights()
    {
        var (x, y) = SyntheticShapes.Make(64, seed: 6);
        var options = Tiny with { Epochs = 1 };
        var a = ClassifierTraining.Train(x, y, options, seed: 7).Classifier.parameters().ToArray();
        var b = ClassifierTraining.Train(x, y, options, seed: 7).Classifier.parameters().ToArray();
        Assert.All(a.Zip(b), p => Assert.True(p.First.Equals(p.Second)));
    }

    [Fact]
    public void Rejects_labels_outside_the_classes_and_images_of_the_wrong_shape()
    {
        var (x, y) = SyntheticShapes.Make(8, seed: 8);
        var error = Assert.Throws<ArgumentException>(() => ClassifierTraining.Train(x, y + 5, Tiny, seed: 1));
        Assert.Contains("[0, 2)", error.Message);
        Assert.Throws<ArgumentException>(() => ClassifierTraining.Train(x.view(8, 784), y, Tiny, seed: 1));
    }

    [Fact]
    public void Options_validation_names_the_bad_field()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => (Tiny with { LearningRate = -1 }).Validate());
        Assert.Contains("LearningRate", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => (Tiny with { Epochs = 0 }).Validate());
    }
}
