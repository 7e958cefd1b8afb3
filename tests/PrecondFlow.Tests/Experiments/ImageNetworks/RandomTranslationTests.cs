using PrecondFlow.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.ImageNetworks;

public class RandomTranslationTests
{
    [Fact]
    public void Moves_each_image_by_at_most_the_given_pixels_and_covers_every_shift()
    {
        // One bright pixel at (14, 14) in each of 400 images: after the shift it must sit within ±2 in both directions.
        var images = zeros(400, 1, 28, 28);
        images[TensorIndex.Colon, 0, 14, 14] = tensor(1.0f);
        using var generator = new Generator(1);
        var shifted = RandomTranslation.Apply(images, 2, generator);
        Assert.Equal(images.shape, shifted.shape);
        // Exact: a whole-pixel shift moves the pixel without blurring it.
        Assert.True(shifted.sum(new long[] { 1, 2, 3 }).Equals(ones(400)));
        var at = shifted.view(400, 784).argmax(1).data<long>().ToArray();
        var offsets = at.Select(i => (Row: i / 28 - 14, Column: i % 28 - 14)).ToArray();
        Assert.All(offsets, o => Assert.True(Math.Abs(o.Row) <= 2 && Math.Abs(o.Column) <= 2, $"offset {o}"));
        // 400 draws over 25 equally likely shifts: each appears with probability 1 − (24/25)^400 > 1 − 1e-7.
        Assert.Equal(25, offsets.Distinct().Count());
    }
}
