using System.Diagnostics;
using PrecondFlow.Distributed;
using PrecondFlow.Tests.Cli;

namespace PrecondFlow.Tests.Distributed;

/// <summary>Without an MPI launcher nothing changes: one process, and no MPI library in it.</summary>
public sealed class SingleProcessTests
{
    [Fact]
    public void WithoutALauncherNoMpiLibraryIsLoaded()
    {
        Assert.False(MpiLaunch.IsMpiLaunch(_ => null));
        var outcome = CliRunner.Run("info");
        Assert.Equal(0, outcome.ExitCode);
        Assert.DoesNotContain("processes", outcome.Out);
        Process.GetCurrentProcess().Refresh();
        var modules = Process.GetCurrentProcess().Modules.Cast<ProcessModule>().Select(m => m.ModuleName).ToArray();
        Assert.DoesNotContain(modules, m => m.Contains("mpich", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void MpichsLauncherIsRecognisedAndOpenMpisIsRefusedWithTheLauncherToUse()
    {
        Assert.True(MpiLaunch.IsMpiLaunch(name => name is "PMI_RANK" or "PMI_SIZE" ? "1" : null));
        var error = Assert.Throws<InvalidOperationException>(() =>
            MpiLaunch.IsMpiLaunch(name => name.StartsWith("OMPI_COMM_WORLD", StringComparison.Ordinal) ? "1" : null));
        Assert.Contains("mpiexec.mpich", error.Message);
    }

    [Fact]
    public void TheSingleProcessCommunicatorLeavesEveryBufferAsItIs()
    {
        var communicator = SingleProcess.Instance;
        var values = new[] { 1.5f, -2f };
        communicator.AllReduceMean(values);
        Assert.Equal(new[] { 1.5f, -2f }, values);
        Assert.Equal((0, 1), (communicator.Rank, communicator.WorldSize));
        Assert.Equal(new byte[] { 7 }, Assert.Single(communicator.AllGather([7])));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void ACollectiveTimeoutThatIsNotPositiveIsRefusedNamingTheOption(string seconds)
    {
        var outcome = CliRunner.Run("info", "--collective-timeout", seconds);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--collective-timeout must be a positive number of seconds", outcome.Error);
    }
}
