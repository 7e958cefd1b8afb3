using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>Argument checks shared by the image networks.</summary>
internal static class ImageChecks
{
    /// <summary>Throws unless <paramref name="images"/> is a floating (n, 1, 28, 28) tensor.</summary>
    public static void CheckImages(Tensor images, string name)
    {
        if (images.dim() != 4 || images.shape[1] != 1 || images.shape[2] != DigitClassifier.ImageSize || images.shape[3] != DigitClassifier.ImageSize)
            throw new ArgumentException(
                $"Expected grayscale 28×28 images of shape (n, 1, 28, 28); got ({string.Join(", ", images.shape)}).", name);
        if (!images.is_floating_point())
            throw new ArgumentException($"Expected floating-point images in [0, 1]; got {images.dtype}.", name);
    }

    /// <summary>Throws unless the labels are a 1-D int64 tensor with one label per image, each in [0, classes).</summary>
    public static void CheckLabels(Tensor images, Tensor labels, int classes, string name)
    {
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException(
                $"Expected one label per image, shape ({images.shape[0]}); got ({string.Join(", ", labels.shape)}).", name);
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"Expected int64 labels; got {labels.dtype}.", name);
        if (labels.numel() > 0)
        {
            long min = labels.min().item<long>(), max = labels.max().item<long>();
            if (min < 0 || max >= classes)
                throw new ArgumentException($"Labels must lie in [0, {classes}); found values from {min} to {max}.", name);
        }
    }
}
