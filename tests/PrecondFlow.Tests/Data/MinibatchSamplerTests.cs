using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data;

public class MinibatchSamplerTests
{
    /// <summary>Point i is (i, −i) with label i mod 3, so a batch shows which rows it took.</summary>
    private static PointCloud Indexed(long n) =>
        new(stack([arange(n, ScalarType.Float32), -arange(n, ScalarType.Float32)], dim: 1), arange(n, ScalarType.Int64) % 3, 3);

    [Fact]
    public void NextDrawsRowsWithTheirOwnLabels()
    {
        using var scope = NewDisposeScope();
        using var sampler = new MinibatchSampler(Indexed(100), batchSize: 16, seed: 1);
        var batch = sampler.Next();
        Assert.Equal(new long[] { 16, 2 }, batch.Points.shape);
        Assert.Equal(3, batch.NumClasses);
        var index = batch.Points[.., 0].to(ScalarType.Int64);
        Assert.True(batch.Points[.., 1].eq(-batch.Points[.., 0]).all().item<bool>());
        Assert.True(batch.Labels!.eq(index % 3).all().item<bool>());
    }

    [Fact]
    public void TheSeedFixesTheSequenceOfBatches()
    {
        using var scope = NewDisposeScope();
        using var a = new MinibatchSampler(Indexed(100), 8, seed: 9);
        using var b = new MinibatchSampler(Indexed(100), 8, seed: 9);
        using var c = new MinibatchSampler(Indexed(100), 8, seed: 10);
        for (var step = 0; step < 3; step++)
        {
            var (x, y, z) = (a.Next(), b.Next(), c.Next());
            TensorBits.AssertIdentical(x.Points, y.Points);
            Assert.False(x.Points.eq(z.Points).all().item<bool>());
        }
    }

    [Fact]
    public void NextSamplesEveryRowUniformly()
    {
        using var scope = NewDisposeScope();
        const int n = 10, draws = 20_000;
        using var sampler = new MinibatchSampler(Indexed(n), draws, seed: 2);
        var counts = sampler.Next().Points[.., 0].to(ScalarType.Int64).bincount(null, n).to(ScalarType.Float64) / draws;
        // Frequency 0.1 has standard error 0.0021 at 20000 draws; 0.01 is ~4.7 of them.
        Assert.True(counts.sub(0.1).abs().max().item<double>() < 0.01);
    }

    [Fact]
    public void NextShuffledUsesEveryRowOncePerEpochWithAShorterLastBatch()
    {
        using var scope = NewDisposeScope();
        using var sampler = new MinibatchSampler(Indexed(10), batchSize: 4, seed: 3);
        Assert.Equal(3, sampler.BatchesPerEpoch);
        var epochs = new List<long[]>();
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var batches = Enumerable.Range(0, 3).Select(_ => sampler.NextShuffled()).ToArray();
            Assert.Equal(new long[] { 4, 4, 2 }, batches.Select(b => b.Count));
            var order = batches.SelectMany(b => b.Points[.., 0].to(ScalarType.Int64).data<long>().ToArray()).ToArray();
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), order.Order());
            Assert.Equal(epoch + 1, sampler.EpochsCompleted);
            epochs.Add(order);
        }
        Assert.NotEqual(epochs[0], epochs[1]);
    }

    [Fact]
    public void ABatchSizeBelowOneOrMismatchedLabelsAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new MinibatchSampler(Indexed(5), 0, 1)).ParamName);
        var mismatched = new PointCloud(zeros(5, 2), zeros([4], ScalarType.Int64), 1);
        Assert.Contains("Labels must have shape (5)", Assert.Throws<ArgumentException>(() => new MinibatchSampler(mismatched, 2, 1)).Message);
    }
}
