using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Performance;

/// <summary>
/// Long loops must not grow resident memory. libtorch's memory is invisible to the .NET GC, so a tensor or native scalar
/// left to a finalizer, or a native heap fragmented by such leftovers, shows only as resident memory that keeps rising.
/// Each test runs a warm-up (allocator and caches settle), reads RSS, runs 2000 more steps and reads it again.
/// The suite runs on one libtorch thread (AssemblyInfo.cs), so the loops take seconds even on a busy two-core machine.
/// </summary>
public class NativeMemoryTests(ITestOutputHelper output)
{
    private const int WarmupSteps = 300;
    private const int MeasuredSteps = 2000;

    /// <summary>
    /// Without the periodic release of TorchSharp's native scalars (in the trainer and the solvers), the training test grew
    /// by 19–36 MiB over its 2000 steps (three runs) and the sampling test by 24 MiB; with it, by 0–6 MiB.
    /// 12 MiB sits between the two: room for the allocator's and the GC's own settling, below what the leftovers do.
    /// </summary>
    private const double GrowthBoundMib = 12;

    private static readonly FieldConfig Field = new(Dim: 16, NumClasses: 4, Hidden: new[] { 64, 64 });

    private static PointCloud Data()
    {
        using var g = new Generator(3);
        var labels = randint(4, new long[] { 4096 }, dtype: ScalarType.Int64, generator: g);
        var points = randn(new long[] { 4096, 16 }, generator: g) + labels.unsqueeze(1).to(float32);
        return new PointCloud(points, labels, 4);
    }

    [LinuxOnlyFact]
    public void TrainingStepsKeepResidentMemoryFlat()
    {
        var data = Data();
        manual_seed(1);
        using var field = new MlpVectorField(Field);
        using var trainer = new FlowTrainer(field, new ModelSpec(Field), new TrainingOptions(
            Steps: WarmupSteps + MeasuredSteps, BatchSize: 256, GradientClip: 1.0, EmaDecay: 0.99, LabelDropout: 0.1,
            LogEvery: 100));
        trainer.Train(data, untilStep: WarmupSteps);
        var warm = ResidentMemory.CurrentMib();
        var liveWarm = Tensor.TotalCount;
        trainer.Train(data);
        var end = ResidentMemory.CurrentMib();
        var liveEnd = Tensor.TotalCount;
        output.WriteLine($"RSS after {WarmupSteps} warm-up steps {warm:0.0} MiB, after {MeasuredSteps} more {end:0.0} MiB; " +
                         $"live tensor handles {liveWarm} → {liveEnd}");
        AssertFlat(warm, end);
        // Every call of Train and every step release the handles they make (data copies, zero_'s extra handle).
        Assert.True(liveEnd <= liveWarm, $"live tensor handles grew from {liveWarm} to {liveEnd}");
    }

    [LinuxOnlyFact]
    public void SamplingStepsKeepResidentMemoryFlat()
    {
        manual_seed(2);
        using var field = new MlpVectorField(Field);
        field.eval();
        var model = new GenerativeModel(field, new ModelSpec(Field));
        var options = new SamplingOptions(Solver: "rk4", Steps: 100);
        using var labels = Sampler.BalancedLabels(512, 4, CPU);
        void SampleOnce(long seed)
        {
            using var scope = NewDisposeScope();
            Sampler.Sample(model, 512, options, seed, CPU, labels);
        }
        for (var i = 0; i < WarmupSteps / options.Steps; i++)
            SampleOnce(i);
        var warm = ResidentMemory.CurrentMib();
        for (var i = 0; i < MeasuredSteps / options.Steps; i++)
            SampleOnce(100 + i);
        var end = ResidentMemory.CurrentMib();
        output.WriteLine($"RSS after {WarmupSteps} warm-up RK4 steps {warm:0.0} MiB, after {MeasuredSteps} more {end:0.0} MiB");
        AssertFlat(warm, end);
    }

    [Fact]
    public void SamplingLeavesNoTensorHandlesBehind()
    {
        manual_seed(2);
        using var field = new MlpVectorField(Field);
        field.eval();
        var model = new GenerativeModel(field, new ModelSpec(Field));
        var options = new SamplingOptions(Solver: "rk4", Steps: 50);
        using var labels = Sampler.BalancedLabels(64, 4, CPU);
        void SampleOnce(long seed)
        {
            // No dispose scope around the call: whatever the sampler does not release itself stays counted.
            var result = Sampler.Sample(model, 64, options, seed, CPU, labels);
            result.Points.Dispose();
            result.Labels?.Dispose();
        }
        SampleOnce(0);
        var before = Tensor.TotalCount;
        for (var i = 0; i < 10; i++)
            SampleOnce(1 + i);
        // Exact: 500 RK4 steps later the count of live handles is where it was.
        Assert.Equal(before, Tensor.TotalCount);
    }

    private static void AssertFlat(double warmMib, double endMib) =>
        Assert.True(endMib - warmMib < GrowthBoundMib,
            $"resident memory grew by {endMib - warmMib:0.0} MiB over {MeasuredSteps} steps ({warmMib:0.0} → {endMib:0.0} MiB)");
}
