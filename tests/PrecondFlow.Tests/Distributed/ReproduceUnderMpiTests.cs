using System.Text.Json;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// `mpiexec -n 2 precondflow reproduce table2` runs data-parallel and writes one report, recording its processes; the
/// other experiments run as one process and say so under mpiexec.
/// </summary>
public sealed class ReproduceUnderMpiTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-mpi-reproduce-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>The smallest budget the command line offers (--quick): 19–41 s on two ranks of a 2-core machine.</summary>
    [Fact]
    public void Table2OnTwoRanksWritesOneReportThatRecordsTwoProcesses()
    {
        var report = Path.Combine(root, "report");
        var (code, log) = MpiRuns.RunMpi(2, "reproduce", "table2", "--quick", "--dataset", "mnist", "--out", report,
            "--cache-dir", Path.Combine(root, "cache"));
        Assert.True(code == 0, log);
        // Rank 0 alone writes the report and the cache, and prints the summary.
        Assert.Equal(["cache", "report"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order());
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(log, "report in "));
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, ExperimentReport.ResultsFile)));
        var runtime = results.RootElement.GetProperty("runtime");
        Assert.Equal(2, runtime.GetProperty("processes").GetInt32());
        Assert.StartsWith("MPICH", runtime.GetProperty("communicator").GetString());
        Assert.Equal(4, results.RootElement.GetProperty("arms").GetArrayLength());
    }

    [Theory]
    [InlineData("fig2", "--workers")]
    [InlineData("table3", "without mpiexec")]
    public void OtherExperimentsRefuseSeveralProcessesAndWriteNothing(string experiment, string hint)
    {
        var report = Path.Combine(root, "report");
        var (code, log) = MpiRuns.RunMpi(2, "reproduce", experiment, "--quick", "--out", report);
        Assert.NotEqual(0, code);
        Assert.NotEqual(-1, code);
        var text = System.Text.RegularExpressions.Regex.Replace(log, @"\s+", " ");
        Assert.Contains($"reproduce {experiment} runs as one process, but 2 were started", text);
        Assert.Contains(hint, text);
        Assert.False(Directory.Exists(report));
    }
}
