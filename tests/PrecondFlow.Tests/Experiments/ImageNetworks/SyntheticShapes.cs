using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.ImageNetworks;

/// <summary>
/// Two classes of simple 28×28 shapes on a faint noise background: class 0 is a horizontal bar, class 1 a vertical
/// bar, each 3 pixels thick and 14 long at a random position. Linearly separable in pixel space, so a working
/// classifier must reach 100%.
/// </summary>
internal static class SyntheticShapes
{
    public static (Tensor Images, Tensor Labels) Make(int n, long seed)
    {
        using var g = new Generator((ulong)seed);
        var labels = randint(2, new long[] { n }, dtype: ScalarType.Int64, generator: g);
        var offsets = randint(4, 11, new long[] { n, 2 }, dtype: ScalarType.Int64, generator: g).data<long>().ToArray();
        var images = rand(new long[] { n, 1, 28, 28 }, generator: g) * 0.1;
        var label = labels.data<long>().ToArray();
        for (int i = 0; i < n; i++)
        {
            long a = offsets[2 * i], b = offsets[2 * i + 1];
            using var bar = label[i] == 0
                ? images[i, 0, TensorIndex.Slice(a + 6, a + 9), TensorIndex.Slice(b, b + 14)]
                : images[i, 0, TensorIndex.Slice(a, a + 14), TensorIndex.Slice(b + 6, b + 9)];
            bar.fill_(1.0);
        }
        return (images, labels);
    }
}
