using System.Diagnostics;
using PrecondFlow.Devices;
using PrecondFlow.Distributed;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>Trains a <see cref="DigitClassifier"/> and measures its accuracy.</summary>
public static class ClassifierTraining
{
    /// <summary>
    /// Trains a fresh classifier by minibatch AdamW on shuffled epochs (<see cref="ClassifierOptions.EpochsFor"/>), with cosine learning-rate decay to zero,
    /// label smoothing and (optionally) random translations. Everything random derives from <paramref name="seed"/>.
    /// </summary>
    /// <param name="images">(n, 1, 28, 28) float images in [0, 1].</param>
    /// <param name="labels">(n) int64 labels in [0, <see cref="ClassifierOptions.Classes"/>).</param>
    /// <param name="progress">Receives (step, total steps, mean loss of the window) every <see cref="ClassifierOptions.LogEvery"/> steps.</param>
    /// <param name="parallel">Data-parallel training over several processes, or null for one. Every process draws the
    /// same minibatch, translations and dropout masks, keeps its <see cref="RowSlice"/> of them, and weights its loss by
    /// the slice's size; the averaged gradients are then the whole minibatch's, so N processes train the network of one
    /// (to float32 rounding).</param>
    public static ClassifierTrainingResult Train(Tensor images, Tensor labels, ClassifierOptions options, long seed,
        IProgress<(int Step, int TotalSteps, double Loss)>? progress = null, DataParallel? parallel = null)
    {
        options.Validate();
        ImageChecks.CheckImages(images, nameof(images));
        ImageChecks.CheckLabels(images, labels, options.Classes, nameof(labels));
        if (images.shape[0] == 0)
            throw new ArgumentException("The training images are empty.", nameof(images));
        var clock = Stopwatch.StartNew();
        // Two streams, both seeded with seed: initial weights then dropout masks from one, batch order and translations
        // from the other (the draws earlier versions made with libtorch's global generator and a seeded one).
        using var networkGenerator = new Generator(unchecked((ulong)seed));
        var classifier = new DigitClassifier(options);
        ParameterInitialization.Reset(classifier, networkGenerator);
        using var generator = new Generator(unchecked((ulong)seed));
        using var x = images.to(ScalarType.Float32);
        long n = x.shape[0];
        using var batches = new EpochBatches(n, options.BatchSize, generator);
        int stepsPerEpoch = batches.StepsPerEpoch;
        int epochs = options.EpochsFor(n);
        int total = stepsPerEpoch * epochs;
        var trace = new List<LossPoint>();
        using var loop = new TrainingLoop(classifier.parameters(), new LearningRateSchedule(options.LearningRate, total),
            options.WeightDecay, gradientClip: null, options.LogEvery)
        {
            Subject = "classifier's training",
            DivergenceHint = $"lower ClassifierOptions.LearningRate ({options.LearningRate}).",
            Parallel = parallel,
            BackwardOnOneDnn = OneDnnBackwardCheck.IsExact(classifier),
        };
        StepLoss Loss(int step)
        {
            var index = batches.Indices(step);
            var batch = x.index_select(0, index);
            // Translations are drawn for the whole minibatch on every process, so that each keeps the rows one process would.
            if (options.Augment && options.ShiftPixels > 0)
                batch = RandomTranslation.Apply(batch, options.ShiftPixels, generator);
            var targets = labels.index_select(0, index);
            if (parallel?.RowsOf(index.shape[0]) is not { IsWhole: false } rows)
                return new StepLoss(nn.functional.cross_entropy(classifier.TrainingLogits(batch, networkGenerator),
                    targets, label_smoothing: options.LabelSmoothing));
            var logits = classifier.TrainingLogits(batch.narrow(0, rows.Start, rows.Length), networkGenerator, rows);
            return new StepLoss(nn.functional.cross_entropy(logits, targets.narrow(0, rows.Start, rows.Length),
                label_smoothing: options.LabelSmoothing) * rows.LossWeight);
        }
        classifier.train();
        loop.Run(0, total, Loss, onWindow: window =>
        {
            trace.Add(new LossPoint(window.Step, window.Loss));
            progress?.Report((window.Step, total, window.Loss));
        });
        classifier.eval();
        return new ClassifierTrainingResult(classifier, trace, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Fraction of <paramref name="images"/> whose arg-max class equals the label (evaluation mode, no gradients).</summary>
    /// <param name="images">(n, 1, 28, 28) float images in [0, 1].</param>
    /// <param name="labels">(n) int64 labels.</param>
    public static double Accuracy(DigitClassifier classifier, Tensor images, Tensor labels, int batchSize = 1000)
    {
        ImageChecks.CheckImages(images, nameof(images));
        ImageChecks.CheckLabels(images, labels, classifier.Classes, nameof(labels));
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        long n = images.shape[0];
        if (n == 0)
            throw new ArgumentException("Accuracy of an empty set is undefined; give at least one image.", nameof(images));
        bool wasTraining = classifier.training;
        classifier.eval();
        using var _ = no_grad();
        long correct = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(batchSize, n - start);
            var predicted = classifier.call(images.narrow(0, start, count).to(ScalarType.Float32)).argmax(1);
            correct += predicted.eq(labels.narrow(0, start, count)).sum().item<long>();
        }
        classifier.train(wasTraining);
        return (double)correct / n;
    }
}
