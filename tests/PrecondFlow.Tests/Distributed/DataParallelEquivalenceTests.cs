using System.Text.Json;
using PrecondFlow.Pipeline;
using PrecondFlow.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// `mpiexec -n 2 precondflow train` with global batch B trains the same model as one process with batch B: every rank
/// draws the same global minibatch and computes the loss on half of its rows, and the averaged gradients are the
/// whole batch's gradient. Only the order of float32 summations differs (two half-batch means averaged instead of one
/// mean), so the loss trace and the final weights agree to a float32 tolerance, not bit for bit.
/// </summary>
public sealed class DataParallelEquivalenceTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// The tolerances. A reordered float32 sum differs by a few ulps (relative ~1e-7) per step; AdamW divides each
    /// gradient by its own running RMS, so these differences reach the weights as relative ~1e-7 changes of steps of
    /// size ≤ lr = 1e-3 and grow slowly over the run (measured after 60 steps: losses 3e-8 apart relatively, weights
    /// 6e-8 apart). 1e-5 on the weights (a hundredth of one step) and a relative 1e-5 on the window losses leave two
    /// orders of magnitude above that, and are far below what a wrong split gives: one rank's half alone, or the batch
    /// counted twice, changes the losses by percents and the weights by whole steps.
    /// </summary>
    private const double WeightTolerance = 1e-5;
    private const double RelativeLossTolerance = 1e-5;

    private readonly string root = Directory.CreateTempSubdirectory("precondflow-mpi-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static string[] Settings(string preconditioner, int steps = 60) =>
        ["train", "--data", "moons", "--count", "500", "--steps", steps.ToString(), "--batch-size", "64", "--hidden", "32,32",
         "--log-every", "10", "--seed", "3", "--preconditioner", preconditioner,
         "--realnvp-steps", "40", "--realnvp-hidden", "32", "--flow-steps", "40"];

    /// <summary>The learned preconditioners are fitted data-parallel too (RealNVP by maximum likelihood, the flow
    /// preconditioner by flow matching), so P(x) and hence the main flow also agree to float32 rounding.</summary>
    [Theory]
    [InlineData("none")]
    [InlineData("whiten")]
    [InlineData("realnvp")]
    [InlineData("whiten+flow")]
    public void TwoRanksTrainTheSameModelAsOneProcessWithTheSameGlobalBatch(string preconditioner)
    {
        var single = Path.Combine(root, "single");
        var (code, log) = MpiRuns.RunSingle([.. Settings(preconditioner), "--out", single]);
        Assert.True(code == 0, log);
        var two = Path.Combine(root, "two");
        (code, log) = MpiRuns.RunMpi(2, [.. Settings(preconditioner), "--out", two]);
        Assert.True(code == 0, log);

        var expected = Checkpoint.ReadManifest(single).LossTrace;
        var actual = Checkpoint.ReadManifest(two).LossTrace;
        Assert.Equal(expected.Select(p => p.Step), actual.Select(p => p.Step));
        double worstLoss = expected.Zip(actual, (e, a) => Math.Abs(a.Loss - e.Loss) / Math.Abs(e.Loss)).Max();
        double worstWeight = MaxWeightDifference(single, two);
        output.WriteLine($"{preconditioner}: largest relative loss difference {worstLoss:G3}, largest weight difference {worstWeight:G3}");
        Assert.True(worstLoss < RelativeLossTolerance, $"relative loss difference {worstLoss:G3}");
        Assert.True(worstWeight < WeightTolerance, $"weight difference {worstWeight:G3}");
        // Not vacuous: the runs trained (the loss moved by much more than the tolerance).
        Assert.True(Math.Abs(expected[0].Loss - expected[^1].Loss) / expected[0].Loss > 100 * RelativeLossTolerance);
        AssertRunRecordsItsProcesses(single, 1, "single process");
        AssertRunRecordsItsProcesses(two, 2, "MPICH");
    }

    /// <summary>
    /// The UNet under a real mpiexec, dropout included (each rank draws every mask for the whole minibatch and keeps its
    /// rows), with 24-channel convolutions on the way up (base 8, multipliers 1,2), whose oneDNN forward pass is wrong
    /// on some CPUs. Convolutions round differently for different batch sizes, so as for the image networks the bound on
    /// the largest weight difference is one AdamW step (the default learning rate, 2e-3): a weight whose gradient is at
    /// rounding level takes a normalised step in a direction set by rounding. Measured: losses 2e-7 apart relatively.
    /// </summary>
    [Fact]
    public void TwoRanksTrainTheSameUNetAsOneProcessDropoutIncluded()
    {
        var images = Path.Combine(root, "bars.csv");
        var random = new Random(3);
        File.WriteAllLines(images, Enumerable.Range(0, 48).Select(_ =>
        {
            int bar = random.Next(8);
            return string.Join(",", Enumerable.Range(0, 64).Select(j =>
                ((j / 8 == bar ? 1.0 : -1.0) + 0.05 * (random.NextDouble() - 0.5)).ToString("F4", System.Globalization.CultureInfo.InvariantCulture)));
        }));
        string[] settings = ["train", "--data", images, "--field", "unet", "--image-shape", "1x8x8", "--channels", "8", "--channel-mult", "1,2",
            "--res-blocks", "1", "--attention-res", "4", "--heads", "2", "--groups", "4", "--dropout", "0.3", "--steps", "12",
            "--batch-size", "12", "--log-every", "2", "--seed", "3"];
        var single = Path.Combine(root, "single-unet");
        var (code, log) = MpiRuns.RunSingle([.. settings, "--out", single]);
        Assert.True(code == 0, log);
        var two = Path.Combine(root, "two-unet");
        (code, log) = MpiRuns.RunMpi(2, [.. settings, "--out", two]);
        Assert.True(code == 0, log);

        var expected = Checkpoint.ReadManifest(single).LossTrace;
        var actual = Checkpoint.ReadManifest(two).LossTrace;
        double worstLoss = expected.Zip(actual, (e, a) => Math.Abs(a.Loss - e.Loss) / Math.Abs(e.Loss)).Max();
        double worstWeight = MaxWeightDifference(single, two);
        output.WriteLine($"unet: largest relative loss difference {worstLoss:G3}, largest weight difference {worstWeight:G3}");
        Assert.True(worstLoss < 1e-4, $"relative loss difference {worstLoss:G3}");
        Assert.True(worstWeight < 2e-3, $"weight difference {worstWeight:G3}, more than one step");
        Assert.True(Math.Abs(expected[0].Loss - expected[^1].Loss) / expected[0].Loss > 0.01, "the UNet did not train");
    }

    /// <summary>A run written by 2 ranks resumes on one process: each process holds the whole state (generator
    /// included), and the run file records how many processes wrote it, without being compared on resume.</summary>
    [Fact]
    public void ACheckpointOfTwoRanksResumesOnOneProcessAndEachRunFileRecordsItsProcesses()
    {
        var two = Path.Combine(root, "two");
        var (code, log) = MpiRuns.RunMpi(2, [.. Settings("whiten", steps: 20), "--out", two]);
        Assert.True(code == 0, log);
        AssertRunRecordsItsProcesses(two, 2, "MPICH");

        var resumed = Path.Combine(root, "resumed");
        (code, log) = MpiRuns.RunSingle("train", "--data", "moons", "--count", "500", "--seed", "3", "--resume", two, "--out", resumed);
        Assert.True(code == 0, log);
        AssertRunRecordsItsProcesses(resumed, 1, "single process");
        Assert.Equal(20, Checkpoint.ReadManifest(resumed).LossTrace[^1].Step);
    }

    private static void AssertRunRecordsItsProcesses(string folder, int processes, string communicatorPrefix)
    {
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, PreconditionedModel.RunFile)));
        Assert.Equal(processes, run.RootElement.GetProperty("processes").GetInt32());
        Assert.StartsWith(communicatorPrefix, run.RootElement.GetProperty("communicator").GetString());
    }

    private static double MaxWeightDifference(string a, string b)
    {
        var (first, _) = Checkpoint.LoadField(a, torch.CPU, preferEma: false);
        var (second, _) = Checkpoint.LoadField(b, torch.CPU, preferEma: false);
        using (first)
        using (second)
        using (torch.NewDisposeScope())
            return first.parameters().Zip(second.parameters(), (x, y) => (x - y).abs().max().item<float>()).Max();
    }
}
