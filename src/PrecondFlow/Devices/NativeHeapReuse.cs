using System.Runtime.InteropServices;

namespace PrecondFlow.Devices;

/// <summary>What <see cref="NativeHeapReuse.Apply"/> did.</summary>
public enum NativeHeapReuseOutcome
{
    /// <summary>glibc now keeps freed blocks of up to 32 MiB in its heap and no longer trims the heap's top.</summary>
    Applied,

    /// <summary>The environment already sets glibc's mmap or trim threshold, or asks for glibc's own settings: left as is.</summary>
    LeftToEnvironment,

    /// <summary>Not glibc (another C library, or not Linux): nothing changed.</summary>
    NotGlibc,
}

/// <summary>
/// Keeps the native memory that libtorch frees for the next training step instead of handing it back to the kernel.
/// By default glibc serves a block larger than its mmap threshold (128 KiB, raised as large blocks are freed) with a fresh
/// mapping and returns it on free, and returns the top of its heap once more than twice that threshold is free there. A
/// training step allocates and frees the same large activations every step, so each step faults every one of their pages
/// in again and the kernel zeroes them: with the default UNet (batch 64, 28×28), about 40 000 page faults a step and a
/// third of a quick run's time in the kernel, in PrecondFlow and in PyTorch alike. <see cref="Apply"/> sets the mmap
/// threshold to glibc's largest, 32 MiB (so that blocks up to that size stay in the heap), and the trim threshold to
/// 2 GiB (so that the heap's free top stays mapped); measured on a 2-core CPU, the UNet step went from 3.1–3.8 s to
/// 2.3–3.0 s, and PyTorch 1.13 gained the same from the same settings (3.9 against 2.9 s). The price: the process keeps its peak heap mapped
/// until it ends or calls <see cref="ReturnFreeMemory"/>. Process-wide, so the library never does it on its own: the
/// command line and the bench call it at start-up, and an application opts in by calling it before its first tensor.
/// Setting either threshold in the environment (GLIBC_TUNABLES' glibc.malloc.mmap_threshold or trim_threshold,
/// MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) or PRECONDFLOW_NATIVE_HEAP=system leaves glibc's own settings.
/// </summary>
public static class NativeHeapReuse
{
    /// <summary>glibc's largest mmap threshold on 64-bit (half its 64 MiB arena heap): blocks below it come from the heap.</summary>
    public const int MmapThresholdBytes = 32 << 20;

    /// <summary>Free memory at the heap's top that glibc keeps mapped (mallopt takes an int: 2 GiB − 1).</summary>
    public const int TrimThresholdBytes = int.MaxValue;

    /// <summary>The variable that, set to "system", keeps glibc's own settings.</summary>
    public const string Variable = "PRECONDFLOW_NATIVE_HEAP";

    private const int MallocTrimThreshold = -1;
    private const int MallocMmapThreshold = -3;

    /// <summary>What the last <see cref="Apply"/> of this process did; null before the first.</summary>
    public static NativeHeapReuseOutcome? Outcome { get; private set; }

    /// <summary>Keeps freed native memory for reuse (see the class summary); call before the first tensor.</summary>
    /// <param name="environment">Reads an environment variable (the program passes Environment.GetEnvironmentVariable;
    /// the library reads no environment of its own).</param>
    /// <exception cref="ArgumentException">PRECONDFLOW_NATIVE_HEAP holds something other than keep or system.</exception>
    public static NativeHeapReuseOutcome Apply(Func<string, string?> environment)
    {
        Outcome = ApplyUnless(environment(Variable), environment("GLIBC_TUNABLES"),
            environment("MALLOC_MMAP_THRESHOLD_"), environment("MALLOC_TRIM_THRESHOLD_"));
        return Outcome.Value;
    }

    /// <summary>Whether the environment leaves the thresholds to glibc (<see cref="Apply"/> reads these four variables).</summary>
    public static bool LeftToEnvironment(string? preference, string? tunables, string? mmapThreshold, string? trimThreshold)
    {
        if (preference is not null && preference != "system" && preference != "keep")
            throw new ArgumentException($"{Variable} takes 'keep' (the default) or 'system'; got '{preference}'.");
        return preference == "system" || mmapThreshold is not null || trimThreshold is not null ||
            (tunables ?? "").Split(':').Any(tunable =>
                tunable.StartsWith("glibc.malloc.mmap_threshold=", StringComparison.Ordinal) ||
                tunable.StartsWith("glibc.malloc.trim_threshold=", StringComparison.Ordinal));
    }

    /// <summary>Hands the heap's free pages back to the kernel (glibc's malloc_trim); false where there is nothing to do
    /// or no glibc.</summary>
    public static bool ReturnFreeMemory() => Glibc.Value is { } glibc && glibc.MallocTrim(0) != 0;

    private static NativeHeapReuseOutcome ApplyUnless(string? preference, string? tunables, string? mmapThreshold, string? trimThreshold)
    {
        if (LeftToEnvironment(preference, tunables, mmapThreshold, trimThreshold))
            return NativeHeapReuseOutcome.LeftToEnvironment;
        if (Glibc.Value is not { } glibc)
            return NativeHeapReuseOutcome.NotGlibc;
        // Either call also switches off glibc's dynamic mmap threshold; mallopt returns 1 on success.
        if (glibc.MallOpt(MallocMmapThreshold, MmapThresholdBytes) != 1 || glibc.MallOpt(MallocTrimThreshold, TrimThresholdBytes) != 1)
            throw new InvalidOperationException("glibc refused mallopt's mmap or trim threshold.");
        return NativeHeapReuseOutcome.Applied;
    }

    private delegate int MallOptFunction(int parameter, int value);

    private delegate int MallocTrimFunction(nuint pad);

    private sealed record GlibcFunctions(MallOptFunction MallOpt, MallocTrimFunction MallocTrim);

    private static readonly Lazy<GlibcFunctions?> Glibc = new(FindGlibc);

    private static GlibcFunctions? FindGlibc()
    {
        // gnu_get_libc_version exists in glibc only (musl has a mallopt that does nothing).
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc) ||
            !NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _) ||
            !NativeLibrary.TryGetExport(libc, "mallopt", out var mallopt) ||
            !NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim))
            return null;
        return new GlibcFunctions(Marshal.GetDelegateForFunctionPointer<MallOptFunction>(mallopt),
            Marshal.GetDelegateForFunctionPointer<MallocTrimFunction>(trim));
    }
}
