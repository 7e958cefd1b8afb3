using System.Text.Json;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// `mpiexec -n 2 precondflow likelihood` writes the numbers one process writes: the processes share the chunks of
/// points, each chunk integrated as in one process, and rank 0 gathers the results in order and alone writes.
/// </summary>
public sealed class ShardedLikelihoodTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-mpi-likelihood-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void TwoRanksWriteTheLikelihoodOfOneProcess()
    {
        var model = Path.Combine(root, "model");
        var (code, log) = MpiRuns.RunSingle("train", "--data", "moons", "--count", "500", "--steps", "20", "--hidden", "16,16",
            "--preconditioner", "whiten", "--log-every", "10", "--out", model);
        Assert.True(code == 0, log);
        // 301 points in chunks of 50: 7 chunks, 3 and 4 per rank.
        string[] Likelihood(string folder) =>
            ["likelihood", "--model", model, "--data", "moons", "--count", "301", "--seed", "4", "--rtol", "1e-5", "--chunk-size", "50", "--out", folder];
        var single = Path.Combine(root, "single");
        (code, log) = MpiRuns.RunSingle(Likelihood(single));
        Assert.True(code == 0, log);
        var two = Path.Combine(root, "two");
        (code, log) = MpiRuns.RunMpi(2, Likelihood(two));
        Assert.True(code == 0, log);

        var expected = Read(single);
        var actual = Read(two);
        Assert.Equal(2, actual.GetProperty("processes").GetInt32());
        var p = expected.GetProperty("log_density").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var q = actual.GetProperty("log_density").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(301, q.Length);
        // Bit for bit: each chunk is the same batch of the same operations in both runs (measured, exact).
        Assert.Equal(p, q);
        Assert.Equal(expected.GetProperty("mean_log_density").GetDouble(), actual.GetProperty("mean_log_density").GetDouble());
    }

    private static JsonElement Read(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "likelihood.json"))).RootElement;
}
