using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>Data augmentation: each image shifted by a random whole number of pixels, done with tensor gathers.</summary>
internal static class RandomTranslation
{
    /// <summary>
    /// Random translations by up to <paramref name="pixels"/> pixels in each direction, with zero fill,
    /// drawn independently per image from <paramref name="generator"/>.
    /// </summary>
    /// <param name="images">(n, c, h, w) images.</param>
    /// <returns>(n, c, h, w) shifted images.</returns>
    public static Tensor Apply(Tensor images, int pixels, Generator generator)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        var padded = nn.functional.pad(images, new long[] { pixels, pixels, pixels, pixels });
        var shifts = randint(0, 2 * pixels + 1, new long[] { 2, n }, dtype: ScalarType.Int64, device: images.device, generator: generator);
        var rows = (arange(h, dtype: ScalarType.Int64, device: images.device).unsqueeze(0) + shifts[0].unsqueeze(1))
            .view(n, 1, h, 1).expand(n, c, h, w + 2 * pixels);
        var cols = (arange(w, dtype: ScalarType.Int64, device: images.device).unsqueeze(0) + shifts[1].unsqueeze(1))
            .view(n, 1, 1, w).expand(n, c, h, w);
        return padded.gather(2, rows).gather(3, cols).MoveToOuterDisposeScope();
    }
}
