using PrecondFlow.Devices;
using TorchSharp;

namespace PrecondFlow.Tests.Devices;

/// <summary>
/// What can be checked without a GPU: names resolve, the CPU is always there, and a CUDA request that cannot be met
/// fails with a reason a user can act on. The CUDA folder is passed explicitly so the tests never depend on the
/// environment variable and never load a libtorch.
/// </summary>
public class DeviceSelectionTests
{
    [Fact]
    public void CpuResolvesToTheCpu() =>
        Assert.Equal(DeviceType.CPU, DeviceSelection.Resolve("cpu").type);

    [Fact]
    public void AutoFallsBackToTheCpuWhenNoCudaLibTorchIsGiven()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-libtorch-{Guid.NewGuid():N}");
        Assert.Equal(DeviceType.CPU, DeviceSelection.Resolve("auto", missing).type);
    }

    [Fact]
    public void CudaWithoutAFolderSaysThatOnlyTheCpuLibTorchIsBundled()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DeviceSelection.Resolve("cuda", libTorchFolder: " "));
        Assert.StartsWith("CUDA was requested but is not available:", e.Message);
        Assert.Contains(DeviceSelection.LibTorchVariable, e.Message);
    }

    [Fact]
    public void CudaWithAMissingFolderNamesTheFolder()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-libtorch-{Guid.NewGuid():N}");
        var e = Assert.Throws<InvalidOperationException>(() => DeviceSelection.Resolve("cuda", missing));
        Assert.Contains($"'{missing}', which does not exist", e.Message);
    }

    [Fact]
    public void CudaWithAFolderThatHoldsNoCudaLibraryIsNotLoaded()
    {
        var folder = Directory.CreateTempSubdirectory("cpu-only-libtorch-").FullName;
        try
        {
            var (available, reason) = DeviceSelection.TryCuda(folder);
            Assert.False(available);
            Assert.Contains("holds no libtorch_cuda.so", reason);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public void AnUnknownNameIsRejectedWithTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceSelection.Resolve("gpu"));
        Assert.Contains("Unknown device 'gpu'", e.Message);
        Assert.Contains("auto, cpu, cuda", e.Message);
    }
}
