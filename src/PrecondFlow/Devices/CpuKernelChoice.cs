using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace PrecondFlow.Devices;

/// <summary>What <see cref="CpuKernelChoice.Apply"/> did.</summary>
public enum CpuKernelChoiceOutcome
{
    /// <summary>libtorch's CPU kernels will run their AVX2 variants (ATEN_CPU_CAPABILITY=avx2).</summary>
    PreferredAvx2,

    /// <summary>ATEN_CPU_CAPABILITY was already set: left as is.</summary>
    LeftToEnvironment,

    /// <summary>Not an AMD CPU with AVX-512 (or not Linux): libtorch picks its kernels as it does by default.</summary>
    LibTorchDefault,
}

/// <summary>
/// Has libtorch run its AVX2 kernels instead of its AVX-512 ones on AMD CPUs with AVX-512 (Zen 4 and later, whose
/// AVX-512 units are 256 bits wide). Measured on a 2-core AMD EPYC virtual machine: in spells of minutes, libtorch's
/// AVX-512 vector exponential (Sleef_expf16_u10, under SiLU and sigmoid) ran about 30 times slower, a third of a
/// Table-4 training step's time instead of 1 % (profiled), while AVX2 code kept its speed. Over 12 interleaved pairs of
/// processes, the AVX-512 Table-4 step ran at 29–36 steps/s in 5 (57–68 in the others) and the AVX2 one at 52–80 in all
/// 12; in such a spell RK4 sampling ran at 930–1 040 against 2 760–3 190 samples/s, the 8-member ensemble step at
/// 680–970 against 1 700–1 900 member-steps/s and the UNet step at 0.26–0.37 against 0.38–0.46 steps/s. Outside the
/// spells the AVX-512 Table-4 step was faster in 6 of 7 pairs, by 5–26 %. PyTorch 1.13 runs its AVX2 kernels on such a
/// CPU by default. libtorch reads ATEN_CPU_CAPABILITY once, before its first CPU kernel: call <see cref="Apply"/> before the
/// first tensor. Process-wide, so the library never does it on its own: the command line and the bench call it at
/// start-up. Setting ATEN_CPU_CAPABILITY yourself (avx512, avx2, default) keeps your choice.
/// </summary>
public static class CpuKernelChoice
{
    /// <summary>libtorch's variable for its CPU kernels' instruction set.</summary>
    public const string Variable = "ATEN_CPU_CAPABILITY";

    /// <summary>What the last <see cref="Apply"/> of this process did; null before the first.</summary>
    public static CpuKernelChoiceOutcome? Outcome { get; private set; }

    /// <summary>Sets ATEN_CPU_CAPABILITY=avx2 on an AMD CPU with AVX-512 unless it is set; call before the first tensor.</summary>
    /// <param name="environment">Reads an environment variable (the program passes Environment.GetEnvironmentVariable;
    /// the library reads no environment of its own).</param>
    public static CpuKernelChoiceOutcome Apply(Func<string, string?> environment)
    {
        Outcome = Decide(environment(Variable), OperatingSystem.IsLinux() ? Vendor() : null,
            Avx512F.IsSupported);
        // libtorch reads the C environment, which Environment.SetEnvironmentVariable does not change on Linux.
        if (Outcome == CpuKernelChoiceOutcome.PreferredAvx2 && SetEnv(Variable, "avx2", 0) != 0)
            throw new InvalidOperationException($"setenv({Variable}) failed.");
        return Outcome.Value;
    }

    /// <summary>The choice for a CPU of this <paramref name="vendor"/> (CPUID's vendor string, e.g. AuthenticAMD; null
    /// where unknown) and AVX-512 support, given the variable's current value.</summary>
    public static CpuKernelChoiceOutcome Decide(string? current, string? vendor, bool avx512) =>
        current is not null ? CpuKernelChoiceOutcome.LeftToEnvironment
        : vendor == "AuthenticAMD" && avx512 ? CpuKernelChoiceOutcome.PreferredAvx2
        : CpuKernelChoiceOutcome.LibTorchDefault;

    /// <summary>CPUID leaf 0's vendor string (EBX, EDX, ECX), or null on a CPU without CPUID.</summary>
    public static string? Vendor()
    {
        if (!X86Base.IsSupported)
            return null;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), edx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), ecx);
        return Encoding.ASCII.GetString(bytes);
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);
}
