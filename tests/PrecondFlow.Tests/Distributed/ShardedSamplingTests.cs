using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// `mpiexec -n 2 precondflow sample` writes the samples one process writes. With a fixed-step solver each rank
/// integrates its contiguous rows from the base noise drawn whole and sliced, and rank 0 gathers them in order; with
/// dopri5 (whose step sizes depend on the whole batch) rank 0 samples alone.
/// </summary>
public sealed class ShardedSamplingTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-mpi-sample-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData("rk4", true)]
    [InlineData("dopri5", false)]
    public void TwoRanksWriteTheSamplesOfOneProcess(string solver, bool shared)
    {
        var model = Path.Combine(root, "model");
        // Labelled data: the model is class-conditional, so the labels are sliced along with the noise.
        var (code, log) = MpiRuns.RunSingle("train", "--data", "8gaussians", "--count", "500", "--steps", "20", "--hidden", "16,16",
            "--preconditioner", "whiten", "--log-every", "10", "--out", model);
        Assert.True(code == 0, log);
        // 301 samples: the ranks' shares differ by one row.
        string[] Sample(string file) =>
            ["sample", "--model", model, "--count", "301", "--solver", solver, "--ode-steps", "8", "--seed", "5", "--out", file];
        var single = Path.Combine(root, "single.npy");
        (code, log) = MpiRuns.RunSingle(Sample(single));
        Assert.True(code == 0, log);
        var two = Path.Combine(root, "two.npy");
        (code, log) = MpiRuns.RunMpi(2, Sample(two));
        Assert.True(code == 0, log);
        Assert.Equal(!shared, log.Contains("rank 0 samples alone"));

        var expected = PointCloudFiles.Read(single);
        var actual = PointCloudFiles.Read(two);
        Assert.Equal(301, actual.Count);
        // Bit for bit: every row's path is computed from the same start point by the same operations; only the number
        // of rows in a matrix product differs, which does not change a row's result here (measured, exact).
        Assert.True(expected.Points.Equals(actual.Points), $"largest difference {(expected.Points - actual.Points).abs().max().item<float>()}");
        Assert.True(expected.Labels!.Equals(actual.Labels!));
    }
}
