using System.Globalization;
using System.Runtime.InteropServices;

namespace PrecondFlow.Bench.Measurement;

/// <summary>
/// Resident memory of this process from /proc/self/status (Linux): VmRSS now and VmHWM, the peak since the process
/// started or since the last successful <see cref="TryResetPeak"/>. Native (libtorch) memory is included, which is
/// why the bench reads the kernel's numbers rather than the .NET GC's.
/// </summary>
internal static partial class ResidentMemory
{
    private const string Status = "/proc/self/status";

    /// <summary>Whether /proc/self/status can be read (Linux).</summary>
    public static bool Available => File.Exists(Status);

    /// <summary>Current resident set size in bytes, or null off Linux.</summary>
    public static long? CurrentBytes() => Field("VmRSS:");

    /// <summary>Peak resident set size in bytes, or null off Linux.</summary>
    public static long? PeakBytes() => Field("VmHWM:");

    /// <summary>
    /// Resets VmHWM to the current RSS by writing 5 to /proc/self/clear_refs (Linux 4.0 and later). Returns false
    /// where the kernel refuses, in which case the peak stays the peak since the process started.
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Hands memory that is free but still resident back to the kernel, so that the next workload's readings start
    /// from what is really in use: finalizes unreachable .NET objects (tensor handles among them), then asks glibc to
    /// return free heap pages (malloc_trim). glibc otherwise keeps freed blocks mapped for reuse, which shows up as RSS.
    /// </summary>
    public static void Release()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        if (OperatingSystem.IsLinux())
            MallocTrim(0);
    }

    /// <summary>Bytes as MiB, for tables.</summary>
    public static double Mib(long bytes) => bytes / (1024.0 * 1024.0);

    private static long? Field(string name)
    {
        if (!Available)
            return null;
        foreach (var line in File.ReadLines(Status))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal))
                continue;
            // "VmRSS:\t  123456 kB"
            var parts = line[name.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
