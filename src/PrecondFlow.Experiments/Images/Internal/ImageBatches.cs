using PrecondFlow.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images.Internal;

/// <summary>Decoding and classifying many images in batches, without gradients.</summary>
internal static class ImageBatches
{
    public const int BatchSize = 1000;

    /// <summary>(n, d) latents → (n, 1, H, W) images in [0, 1].</summary>
    public static Tensor Decode(ConvVae vae, Tensor latents)
    {
        using var _ = no_grad();
        var parts = new List<Tensor>();
        for (long start = 0; start < latents.shape[0]; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var batch = latents.slice(0, start, Math.Min(latents.shape[0], start + BatchSize), 1);
            parts.Add(vae.Decode(batch).detach().MoveToOuterDisposeScope());
        }
        var all = cat(parts, 0);
        foreach (var part in parts)
            part.Dispose();
        return all;
    }

    /// <summary>Share of <paramref name="images"/> the classifier does not label as <paramref name="labels"/>.</summary>
    public static double ErrorRate(DigitClassifier classifier, Tensor images, Tensor labels)
    {
        using var predicted = Predict(classifier, images);
        return ErrorRate(predicted, labels);
    }

    /// <summary>Share of <paramref name="predicted"/> classes that differ from <paramref name="labels"/>.</summary>
    public static double ErrorRate(Tensor predicted, Tensor labels)
    {
        using var scope = NewDisposeScope();
        long wrong = predicted.ne(labels.to(predicted.device)).sum().item<long>();
        return (double)wrong / predicted.shape[0];
    }

    /// <summary>(n) int64: the class the classifier assigns to each of <paramref name="images"/> (arg-max of its logits).</summary>
    public static Tensor Predict(DigitClassifier classifier, Tensor images)
    {
        using var _ = no_grad();
        var parts = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            long end = Math.Min(images.shape[0], start + BatchSize);
            parts.Add(classifier.forward(images.slice(0, start, end, 1)).argmax(1).MoveToOuterDisposeScope());
        }
        var all = cat(parts, 0);
        foreach (var part in parts)
            part.Dispose();
        return all;
    }
}
