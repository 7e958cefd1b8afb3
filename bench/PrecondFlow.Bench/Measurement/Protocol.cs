using System.Diagnostics;
using PrecondFlow.Bench.Workloads;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Measurement;

/// <summary>
/// The measuring protocol, shared with the PyTorch reference: set up (untimed), warm up (untimed), then time each
/// repetition separately (at least <see cref="RepetitionPlan.Repetitions"/>, and more until they add up to
/// <see cref="RepetitionPlan.MinimumSeconds"/>) and report the median. On CUDA every repetition ends with a device synchronisation, so the
/// clock sees the work and not only its launch.
/// </summary>
internal static class Protocol
{
    public static WorkloadResult Measure(IWorkload workload, RepetitionPlan plan, Device device)
    {
        var loadBefore = LoadAverage.OneMinute();
        ResidentMemory.Release();
        var rssBefore = ResidentMemory.CurrentBytes();
        var peakIsPerWorkload = ResidentMemory.TryResetPeak();
        workload.Setup(device);
        for (var i = 0; i < plan.Warmup; i++)
            RunOnce(workload, device);
        var timed = new List<double>();
        while (plan.WantsAnother(timed.Count, timed.Sum()))
        {
            var clock = Stopwatch.StartNew();
            RunOnce(workload, device);
            timed.Add(clock.Elapsed.TotalSeconds);
        }
        var seconds = timed.ToArray();
        var rssAfter = ResidentMemory.CurrentBytes();
        var peak = ResidentMemory.PeakBytes();
        var median = Median(seconds);
        return new WorkloadResult(workload.Name, workload.Shape, workload.Unit, workload.ItemsPerRepetition, plan.Warmup,
            seconds, median, workload.ItemsPerRepetition / median, (seconds.Max() - seconds.Min()) / median,
            Mib(rssBefore), Mib(rssAfter), Mib(peak), peakIsPerWorkload, loadBefore, LoadAverage.OneMinute(),
            workload.FlopsPerItem, workload.FlopsPerItem * workload.ItemsPerRepetition / median / 1e9);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
    }

    private static void RunOnce(IWorkload workload, Device device)
    {
        workload.Run();
        if (device.type == DeviceType.CUDA)
            cuda.synchronize(device);
    }

    private static double? Mib(long? bytes) => bytes is { } b ? ResidentMemory.Mib(b) : null;
}
