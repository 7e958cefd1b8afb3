using System.Diagnostics;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Measurement;

/// <summary>
/// The machine's practical limit for dense float32 arithmetic: a 2048 × 2048 by 2048 × 2048 matrix product (2·2048³
/// operations) on the device, median of 5 timed runs after 2 warm-up ones, in GFLOP/s. Each workload's achieved GFLOP/s
/// is shown next to it, so the distance to the limit is visible in every run.
/// </summary>
internal static class SgemmPeak
{
    public const int Size = 2048;

    public static double Measure(Device device, int warmup = 2, int repetitions = 5)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1, device);
        var a = randn(new long[] { Size, Size }, generator: generator, device: device);
        var b = randn(new long[] { Size, Size }, generator: generator, device: device);
        var seconds = new List<double>();
        for (int i = 0; i < warmup + repetitions; i++)
        {
            using var inner = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var c = a.mm(b);
            if (device.type == TorchSharp.DeviceType.CUDA)
                cuda.synchronize(device);
            else
                _ = c[0, 0].item<float>();   // reads the result back: the product is done
            if (i >= warmup)
                seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return 2.0 * Size * Size * Size / Protocol.Median(seconds) / 1e9;
    }
}
