using PrecondFlow.Devices;

namespace PrecondFlow.Tests.Devices;

/// <summary>
/// On AMD CPUs with AVX-512 the command line has libtorch run its AVX2 kernels (libtorch's AVX-512 exponential slowed
/// down about 30-fold in spells on such a machine); the user's own ATEN_CPU_CAPABILITY always wins. The setting is
/// process-wide, so it is checked through a child process of the command line.
/// </summary>
public class CpuKernelChoiceTests
{
    [Theory]
    [InlineData(null, "AuthenticAMD", true, CpuKernelChoiceOutcome.PreferredAvx2)]
    [InlineData(null, "AuthenticAMD", false, CpuKernelChoiceOutcome.LibTorchDefault)]
    [InlineData(null, "GenuineIntel", true, CpuKernelChoiceOutcome.LibTorchDefault)]
    [InlineData(null, null, false, CpuKernelChoiceOutcome.LibTorchDefault)]
    [InlineData("avx512", "AuthenticAMD", true, CpuKernelChoiceOutcome.LeftToEnvironment)]
    [InlineData("default", "GenuineIntel", true, CpuKernelChoiceOutcome.LeftToEnvironment)]
    public void AVX2_is_preferred_on_AMD_with_AVX512_unless_the_environment_chose(
        string? current, string? vendor, bool avx512, CpuKernelChoiceOutcome expected)
    {
        Assert.Equal(expected, CpuKernelChoice.Decide(current, vendor, avx512));
    }

    [Fact]
    public void The_vendor_is_read_from_the_processor()
    {
        var vendor = CpuKernelChoice.Vendor();

        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            Assert.NotNull(vendor);
            Assert.Equal(12, vendor!.Length);
            var cpuinfo = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : null;
            if (cpuinfo is not null)
                Assert.Contains($"vendor_id\t: {vendor}", cpuinfo);
        }
        else
            Assert.Null(vendor);
    }

    [Fact]
    public void The_command_line_reports_its_choice_and_keeps_the_users()
    {
        var (code, log) = RunCliInfo(null);
        var (chosen, chosenLog) = RunCliInfo("avx512");

        Assert.True(code == 0, log);
        var expected = CpuKernelChoice.Decide(null, CpuKernelChoice.Vendor(),
            System.Runtime.Intrinsics.X86.Avx512F.IsSupported) == CpuKernelChoiceOutcome.PreferredAvx2
            ? "AVX2 (preferred on AMD with AVX-512)"
            : "libtorch's choice";
        Assert.Contains(expected, log);
        Assert.True(chosen == 0, chosenLog);
        Assert.Contains("avx512 (ATEN_CPU_CAPABILITY)", chosenLog);
    }

    private static (int Code, string Log) RunCliInfo(string? capability) =>
        CliChildProcess.Run(new Dictionary<string, string?> { [CpuKernelChoice.Variable] = capability }, "info");
}
