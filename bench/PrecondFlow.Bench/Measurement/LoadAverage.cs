using System.Globalization;

namespace PrecondFlow.Bench.Measurement;

/// <summary>The one-minute load average (/proc/loadavg), recorded with each result as a hint of how noisy timings were.</summary>
internal static class LoadAverage
{
    public static double? OneMinute()
    {
        const string file = "/proc/loadavg";
        if (!File.Exists(file))
            return null;
        var first = File.ReadAllText(file).Split(' ', 2)[0];
        return double.Parse(first, CultureInfo.InvariantCulture);
    }
}
