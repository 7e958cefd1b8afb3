using System.Diagnostics;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>Trains a <see cref="DigitClassifier"/> and measures its accuracy.</summary>
public static class ClassifierTraining
{
    private const int NativeScalarCollectionInterval = 10;

    /// <summary>
    /// Trains a fresh classifier by minibatch AdamW on shuffled epochs (<see cref="ClassifierOptions.EpochsFor"/>), with cosine learning-rate decay to zero,
    /// label smoothing and (optionally) random translations. Everything random derives from <paramref name="seed"/>.
    /// </summary>
    /// <param name="images">(n, 1, 28, 28) float images in [0, 1].</param>
    /// <param name="labels">(n) int64 labels in [0, <see cref="ClassifierOptions.Classes"/>).</param>
    /// <param name="progress">Receives (step, total steps, mean loss of the window) every <see cref="ClassifierOptions.LogEvery"/> steps.</param>
    public static ClassifierTrainingResult Train(Tensor images, Tensor labels, ClassifierOptions options, long seed,
        IProgress<(int Step, int TotalSteps, double Loss)>? progress = null)
    {
        options.Validate();
        ImageChecks.CheckImages(images, nameof(images));
        ImageChecks.CheckLabels(images, labels, options.Classes, nameof(labels));
        if (images.shape[0] == 0)
            throw new ArgumentException("The training images are empty.", nameof(images));
        var clock = Stopwatch.StartNew();
        manual_seed(seed);   // weight initialisation and dropout draw from the global generator
        var classifier = new DigitClassifier(options);
        using var generator = new Generator((ulong)seed);
        var parameters = classifier.parameters().ToList();
        using var optimizer = optim.AdamW(parameters, lr: options.LearningRate, weight_decay: options.WeightDecay);
        using var x = images.to(ScalarType.Float32);
        long n = x.shape[0];
        int stepsPerEpoch = (int)((n + options.BatchSize - 1) / options.BatchSize);
        int epochs = options.EpochsFor(n);
        int total = stepsPerEpoch * epochs;
        var trace = new List<LossPoint>();
        using var lossSum = zeros(1, dtype: ScalarType.Float64);
        int step = 0, windowStart = 0;
        classifier.train();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var order = randperm(n, generator: generator);
            for (long start = 0; start < n; start += options.BatchSize)
            {
                using (var scope = NewDisposeScope())
                {
                    optimizer.ParamGroups.First().LearningRate = CosineDecay.At(step, total, options.LearningRate);
                    var index = order.narrow(0, start, Math.Min(options.BatchSize, n - start));
                    var batch = x.index_select(0, index);
                    if (options.Augment && options.ShiftPixels > 0)
                        batch = RandomTranslation.Apply(batch, options.ShiftPixels, generator);
                    var loss = nn.functional.cross_entropy(classifier.call(batch), labels.index_select(0, index),
                        label_smoothing: options.LabelSmoothing);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    lossSum.add_(loss.detach().to(ScalarType.Float64));
                }
                step++;
                if (step % NativeScalarCollectionInterval == 0)
                    GC.Collect(0);
                if (step % options.LogEvery == 0 || step == total)
                {
                    double mean = lossSum.item<double>() / (step - windowStart);
                    using (NewDisposeScope())
                        lossSum.zero_();
                    windowStart = step;
                    trace.Add(new LossPoint(step, mean));
                    if (!double.IsFinite(mean))
                        throw new InvalidOperationException(
                            $"The classifier's training loss became {mean} at step {step}: lower ClassifierOptions.LearningRate ({options.LearningRate}).");
                    progress?.Report((step, total, mean));
                }
            }
        }
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
