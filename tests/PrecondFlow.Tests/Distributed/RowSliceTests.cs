using PrecondFlow.Distributed;

namespace PrecondFlow.Tests.Distributed;

/// <summary>The rows of a global minibatch that each process computes the loss on.</summary>
public sealed class RowSliceTests
{
    [Theory]
    [InlineData(64, 2)]
    [InlineData(65, 2)]
    [InlineData(10, 3)]
    [InlineData(7, 7)]
    public void SlicesTileTheBatchInOrderAndTheirWeightsAverageToTheBatchMean(long batch, int world)
    {
        var slices = Enumerable.Range(0, world).Select(r => RowSlice.Of(batch, r, world)).ToArray();
        long next = 0;
        foreach (var slice in slices)
        {
            Assert.Equal(next, slice.Start);
            Assert.True(slice.Length >= 1);
            next += slice.Length;
        }
        Assert.Equal(batch, next);
        Assert.True(slices.Max(s => s.Length) - slices.Min(s => s.Length) <= 1);
        // Rows with loss values v_i: the mean over processes of LossWeight·(slice mean) is the mean over the batch.
        var values = Enumerable.Range(0, (int)batch).Select(i => Math.Sin(i) + 2).ToArray();
        double averaged = slices.Average(s => s.LossWeight * values.Skip((int)s.Start).Take((int)s.Length).Average());
        Assert.Equal(values.Average(), averaged, 12);
    }

    [Fact]
    public void ABatchSmallerThanTheWorldIsRefusedWithTheBatchSizeThatWorks()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RowSlice.Of(3, 0, 4));
        Assert.Contains("--batch-size 4 or more", error.Message);
    }
}
