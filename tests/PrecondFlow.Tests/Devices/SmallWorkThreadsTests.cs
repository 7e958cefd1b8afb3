using PrecondFlow.Devices;
using PrecondFlow.Fields;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Devices;

/// <summary>
/// The steps of a small model run on the calling thread alone: inside a scope its libtorch thread count is 1, outside
/// and on every other thread it is what it was; only networks of matrices with small products qualify.
/// </summary>
public class SmallWorkThreadsTests
{
    [Fact]
    public void TheLargestProductOfAnMlpIsTheRowsTimesItsLargestMatrix()
    {
        var mlp = new MlpVectorField(new FieldConfig(Dim: 2, Hidden: new[] { 64, 64 }));
        long largest = mlp.parameters().Where(p => p.dim() == 2).Max(p => p.shape[0] * p.shape[1]);
        Assert.Equal(64 * 64, largest);   // the hidden-to-hidden matrix
        Assert.Equal(256L * 64 * 64, SmallWorkThreads.LargestProduct(mlp, 256));
        using var convolution = nn.Conv2d(3, 8, 3);
        Assert.Null(SmallWorkThreads.LargestProduct(convolution, 256));
    }

    [Fact]
    public void InsideAScopeTheCallingThreadAloneRunsOnOneThread()
    {
        int before = get_num_threads();
        // On a machine of one core libtorch already runs on one thread; the test then only checks that nothing changes.
        int other = 0;
        using (var scope = SmallWorkThreads.ForLargestProduct(256L * 64 * 64))
        {
            Assert.True(scope.IsActive);
            Assert.Equal(1, get_num_threads());
            var thread = new Thread(() => other = get_num_threads());
            thread.Start();
            thread.Join();
        }
        Assert.Equal(before, get_num_threads());
        Assert.Equal(before, other);   // another thread kept its count during the scope
    }

    [Fact]
    public void AProductAboveTheLimitChangesNothing()
    {
        int before = get_num_threads();
        using (var scope = SmallWorkThreads.ForLargestProduct(4096L * 128 * 128))   // the Table-4 model's: 67 M
        {
            Assert.False(scope.IsActive);
            Assert.Equal(before, get_num_threads());
        }
        Assert.Equal(before, get_num_threads());
    }
}
