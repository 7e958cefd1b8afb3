namespace PrecondFlow.Images;

/// <summary>How <see cref="ImageFolder.Read"/> brings the images of a folder to one shape.</summary>
/// <param name="Size">S: resize each image so that its shorter side is S, then crop the central S × S square; null keeps the
/// first image's size (other sizes are resized to it, without cropping).</param>
/// <param name="Channels">1 (grayscale) or 3 (RGB); null: 1 when every image is grayscale, else 3.</param>
public sealed record ImageFolderOptions(int? Size = null, int? Channels = null)
{
    /// <exception cref="ArgumentOutOfRangeException">A size below 1 or a channel count other than 1 or 3.</exception>
    public void Validate()
    {
        if (Size is < 1)
            throw new ArgumentOutOfRangeException(nameof(Size), Size, $"--image-size must be a positive number of pixels; got {Size}.");
        if (Channels is not (null or 1 or 3))
            throw new ArgumentOutOfRangeException(nameof(Channels), Channels, $"--image-channels must be 1 (grayscale) or 3 (RGB); got {Channels}.");
    }
}
