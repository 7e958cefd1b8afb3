using PrecondFlow.Images;
using PrecondFlow.Metrics;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images.Internal;

/// <summary>
/// The held-out images of one seed cut at random into two halves A and B of equal size. Generated images are compared with B
/// (as many generated images as B has, with B's labels), and A against B gives the floor: what a perfect generator scores with
/// the same sample sizes. Fréchet distances are biased upwards at small sample sizes, so only equal sizes make the floor comparable.
/// </summary>
internal sealed class HeldOutHalves : IDisposable
{
    /// <param name="images">(n, 1, H, W) held-out images.</param>
    /// <param name="labels">(n) their labels.</param>
    /// <param name="latents">(n, d) their VAE latents.</param>
    /// <param name="classifier">The FID network.</param>
    /// <param name="seed">Seed of the random halving.</param>
    /// <param name="shards">The processes that share the features' extraction (default: this one alone).</param>
    public HeldOutHalves(Tensor images, Tensor labels, Tensor latents, DigitClassifier classifier, long seed, Shards? shards = null)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0], half = n / 2;
        using var generator = new Generator(unchecked((ulong)seed));
        var order = randperm(n, generator: generator).to(images.device);
        var a = order.slice(0, 0, half, 1);
        var b = order.slice(0, half, 2 * half, 1);
        ImagesA = images.index_select(0, a).MoveToOuterDisposeScope();
        ImagesB = images.index_select(0, b).MoveToOuterDisposeScope();
        LabelsB = labels.index_select(0, b).MoveToOuterDisposeScope();
        LatentsA = latents.index_select(0, a.to(latents.device)).MoveToOuterDisposeScope();
        LatentsB = latents.index_select(0, b.to(latents.device)).MoveToOuterDisposeScope();
        shards ??= Shards.One;
        FeaturesA = shards.Map(ImagesA, x => FrechetDistance.ExtractFeatures(classifier, x)).MoveToOuterDisposeScope();
        FeaturesB = shards.Map(ImagesB, x => FrechetDistance.ExtractFeatures(classifier, x)).MoveToOuterDisposeScope();
    }

    public Tensor ImagesA { get; }
    public Tensor ImagesB { get; }
    public Tensor LabelsB { get; }
    public Tensor LatentsA { get; }
    public Tensor LatentsB { get; }
    public Tensor FeaturesA { get; }
    public Tensor FeaturesB { get; }

    /// <summary>Images per half.</summary>
    public long Count => ImagesB.shape[0];

    public void Dispose()
    {
        foreach (var t in new[] { ImagesA, ImagesB, LabelsB, LatentsA, LatentsB, FeaturesA, FeaturesB })
            t.Dispose();
    }
}
