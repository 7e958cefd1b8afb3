using PrecondFlow.Diagnostics;
using PrecondFlow.Paths;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Diagnostics;

public class ConditioningMonitorTests
{
    [Fact]
    public void MeasuresEveryNStepsAndRecordsTheHistory()
    {
        var monitor = new ConditioningMonitor(AffinePath.FromName("linear"), every: 10);
        using var generator = new Generator(1);
        using var batch = randn(256, 2, generator: generator) * tensor(new[] { 10.0f, 1.0f });
        var measured = Enumerable.Range(0, 25).Select(step => monitor.Observe(step, batch)).ToArray();
        Assert.Equal(new long[] { 0, 10, 20 }, monitor.History.Select(s => s.Step));
        Assert.Null(measured[5]);
        var snapshot = monitor.History[0];
        Assert.Equal(ConditioningMonitor.DefaultTimes, snapshot.Times);
        Assert.Null(snapshot.WorstClassKappa);
        // κ(Cov x_t) at t = 0 is that of pure N(0, I) noise (≈ 1 for 256 points in 2-D, within ~30%); at
        // t = 1 that of the batch, ≈ 100 (axis scales 10 and 1).
        Assert.InRange(snapshot.Kappa[0], 1.0, 1.5);
        Assert.InRange(snapshot.Kappa[^1], 60, 160);
    }

    [Fact]
    public void TracksTheWorstClassWhenLabelled()
    {
        var monitor = new ConditioningMonitor(AffinePath.FromName("linear"), every: 1, times: new[] { 1.0 });
        using var generator = new Generator(2);
        using var easy = randn(200, 2, generator: generator);
        using var hard = randn(200, 2, generator: generator) * tensor(new[] { 20.0f, 1.0f });
        using var batch = cat(new[] { easy, hard }, 0);
        using var labels = cat(new[] { zeros(200, dtype: ScalarType.Int64), ones(200, dtype: ScalarType.Int64) }, 0);
        var snapshot = monitor.Observe(0, batch, labels)!;
        // Class 1 has κ ≈ 400 (scales 20 and 1), class 0 ≈ 1: the worst class is the hard one.
        Assert.InRange(snapshot.WorstClassKappa![0], 250, 600);
    }
}
