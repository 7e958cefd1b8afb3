using TorchSharp;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// Refuses a size option (--count, --batch-size) whose tensors cannot fit in memory, before anything is allocated: the
/// alternative is an allocation that fails deep in libtorch or a process killed by the system, both without a word
/// about which option to lower. The estimates are lower bounds (the tensors that surely exist at once), so a refusal is
/// never wrong; a size just under the bound may still fail later.
/// </summary>
internal static class MemoryBudget
{
    /// <summary>Bytes this process can still allocate; tests replace it.</summary>
    internal static Func<long> Available = ReadAvailable;

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="option"/> when <paramref name="bytes"/>
    /// exceed the available memory. Only the CPU is checked: a GPU's memory is its own and libtorch reports it.</summary>
    public static void Require(string option, long value, double bytes, torch.Device device)
    {
        if (device.type != DeviceType.CPU)
            return;
        long available = Available();
        if (bytes <= available)
            return;
        long fits = Math.Max(1, (long)(value * (available / bytes)));
        throw new ArgumentException(
            $"{option} {value} needs at least {Gigabytes(bytes)} of memory; {Gigabytes(available)} is available. " +
            $"Lower {option} (at most about {fits}).");
    }

    private static string Gigabytes(double bytes) => $"{bytes / (1L << 30):0.#} GiB";

    /// <summary>MemAvailable of /proc/meminfo where there is one (free memory plus what the kernel can reclaim), bounded
    /// by what the runtime sees as the limit of this process (a container's, for instance).</summary>
    private static long ReadAvailable()
    {
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    continue;
                var kilobytes = long.Parse(line["MemAvailable:".Length..].Trim().Split(' ')[0]);
                return Math.Min(limit, kilobytes * 1024);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return limit;
    }
}
