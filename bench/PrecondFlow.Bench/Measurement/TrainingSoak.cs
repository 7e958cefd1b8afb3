using System.Diagnostics;
using PrecondFlow.Bench.Workloads;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Measurement;

/// <summary>Resident memory at one point of a soak run.</summary>
/// <param name="Step">Training steps done.</param>
/// <param name="RssMib">VmRSS.</param>
/// <param name="LiveTensors">Tensor handles alive in .NET (TorchSharp's count); flat when nothing leaks.</param>
/// <param name="Seconds">Wall-clock seconds since training started.</param>
internal sealed record SoakPoint(int Step, double RssMib, long LiveTensors, double Seconds);

/// <summary>The outcome of a soak run.</summary>
/// <param name="Model">What was trained (<see cref="SoakModel.Shape"/>).</param>
/// <param name="Steps">Training steps run.</param>
/// <param name="Every">Steps between memory readings.</param>
/// <param name="Points">Readings, the first at step 0 (after setup, before training).</param>
/// <param name="StartMib">RSS at the first reading after training began (warmed up).</param>
/// <param name="EndMib">RSS at the last reading.</param>
/// <param name="GrowthPercent">(End − Start) / Start in percent.</param>
/// <param name="FirstQuarterMedianMib">Median RSS of the first quarter of the readings after warm-up.</param>
/// <param name="LastQuarterMedianMib">Median RSS of the last quarter: with the first, a trend that single readings,
/// which move by a few percent as glibc grows and trims its heap, do not fake.</param>
/// <param name="MedianGrowthPercent">(LastQuarterMedian − FirstQuarterMedian) / FirstQuarterMedian in percent.</param>
/// <param name="StepsPerSecond">Average over the whole run.</param>
internal sealed record SoakResult(string Model, int Steps, int Every, IReadOnlyList<SoakPoint> Points, double StartMib, double EndMib,
    double GrowthPercent, double FirstQuarterMedianMib, double LastQuarterMedianMib, double MedianGrowthPercent,
    double StepsPerSecond);

/// <summary>
/// A long flow-matching training run (the Table-4 MLP or the bench's UNet, see <see cref="SoakModel"/>) that reads
/// resident memory every <c>every</c> steps, to show that memory stays flat (nothing leaks per step). It uses <see cref="FlowTrainer"/>'s own loop: the readings
/// are taken in its callback, which runs every LogEvery (50) steps.
/// </summary>
internal static class TrainingSoak
{
    public static SoakResult Run(Device device, SoakModel model, int steps, int every, Action<SoakPoint>? report = null)
    {
        int logEvery = model.Training(1).LogEvery;
        if (every % logEvery != 0)
            throw new ArgumentOutOfRangeException(nameof(every), every,
                $"--soak-every must be a multiple of the trainer's logging interval ({logEvery}); got {every}.");
        var data = model.Data(device);
        using var field = model.CreateField();
        field.to(device);
        using var trainer = new FlowTrainer(field, model.Spec, model.Training(steps));
        var points = new List<SoakPoint>();
        var clock = Stopwatch.StartNew();
        void Read(int step)
        {
            var point = new SoakPoint(step, ResidentMemory.Mib(ResidentMemory.CurrentBytes() ?? 0), Tensor.TotalCount,
                clock.Elapsed.TotalSeconds);
            points.Add(point);
            report?.Invoke(point);
        }
        Read(0);
        clock.Restart();
        trainer.Train(data, callback: step =>
        {
            if (step % every == 0 || step == steps)
                Read(step);
        });
        var seconds = clock.Elapsed.TotalSeconds;
        data.Points.Dispose();
        data.Labels?.Dispose();
        var warm = points.Skip(points.Count > 1 ? 1 : 0).Select(p => p.RssMib).ToArray();
        var start = warm[0];
        var end = warm[^1];
        var quarter = Math.Max(1, warm.Length / 4);
        var first = Protocol.Median(warm.Take(quarter).ToArray());
        var last = Protocol.Median(warm.TakeLast(quarter).ToArray());
        return new SoakResult(model.Shape, steps, every, points, start, end, 100 * (end - start) / start, first, last,
            100 * (last - first) / first, steps / seconds);
    }
}
