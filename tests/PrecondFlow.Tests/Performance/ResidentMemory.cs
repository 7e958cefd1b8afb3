using System.Globalization;

namespace PrecondFlow.Tests.Performance;

/// <summary>Resident memory of the test process (VmRSS of /proc/self/status), native libtorch memory included.</summary>
internal static class ResidentMemory
{
    public static bool Available => File.Exists("/proc/self/status");

    /// <summary>VmRSS in MiB.</summary>
    public static double CurrentMib()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
                continue;
            var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return kb / 1024.0;
        }
        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }
}
