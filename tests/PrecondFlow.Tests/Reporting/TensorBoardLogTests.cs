using PrecondFlow.Tests.Cli;
using PrecondFlow.Reporting.TensorBoard;
using PrecondFlow.Training;

namespace PrecondFlow.Tests.Reporting;

/// <summary>`train --tensorboard DIR` writes an event file that TensorBoard reads: valid TFRecord framing, and the main
/// flow's loss, learning rate and gradient norm at each logging window's step, plus a learned preconditioner's loss.</summary>
public class TensorBoardLogTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-tensorboard-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void TrainLogsTheLossLearningRateAndGradientNormAtEachWindowsStep()
    {
        var logs = Path.Combine(folder, "runs", "a");
        var model = Path.Combine(folder, "model");
        var train = CliRunner.Run("train", "--data", "moons", "--count", "400", "--steps", "60", "--log-every", "20",
            "--warmup", "20", "--preconditioner", "realnvp", "--realnvp-steps", "40", "--realnvp-hidden", "16",
            "--hidden", "16,16", "--out", model, "--tensorboard", logs);
        Assert.True(train.ExitCode == 0, train.Error);

        var scalars = TensorBoardEventFile.Scalars(logs);
        var manifest = Checkpoint.ReadManifest(model);
        var loss = scalars.Where(s => s.Tag == "main-flow/loss").ToArray();
        Assert.Equal([20L, 40L, 60L], loss.Select(s => s.Step));
        // The logged losses are the model's own loss trace (stored as float32 by TensorBoard).
        Assert.Equal(manifest.LossTrace.Select(p => (float)p.Loss), loss.Select(s => s.Value));
        // loss_ema: the first window's loss, then α·loss + (1 − α)·previous, in float64 before TensorBoard's float32.
        var expected = new List<float>();
        double ema = double.NaN;
        foreach (var point in manifest.LossTrace)
        {
            ema = double.IsNaN(ema) ? point.Loss : TensorBoardLog.LossEmaWeight * point.Loss + (1 - TensorBoardLog.LossEmaWeight) * ema;
            expected.Add((float)ema);
        }
        var smoothed = scalars.Where(s => s.Tag == "main-flow/loss_ema").ToArray();
        Assert.Equal([20L, 40L, 60L], smoothed.Select(s => s.Step));
        Assert.Equal(expected, smoothed.Select(s => s.Value));

        var rates = scalars.Where(s => s.Tag == "main-flow/learning_rate").ToArray();
        Assert.Equal([20L, 40L, 60L], rates.Select(s => s.Step));
        var schedule = LearningRateSchedule.For(manifest.Training);
        Assert.Equal(new[] { 19, 39, 59 }.Select(step => (float)schedule.At(step)), rates.Select(s => s.Value));

        var norms = scalars.Where(s => s.Tag == "main-flow/gradient_norm").ToArray();
        Assert.Equal([20L, 40L, 60L], norms.Select(s => s.Step));
        Assert.All(norms, n => Assert.True(n.Value > 0 && float.IsFinite(n.Value), $"gradient norm {n.Value} at step {n.Step}"));

        Assert.Contains(scalars, s => s.Tag == "preconditioner/realnvp/loss");

        // After training, κ(Cov x_t) of P(x) at a few times, and the eigenvalues it is the ratio of, at the last step.
        var histograms = TensorBoardEventFile.Histograms(logs);
        foreach (var t in new[] { "0.25", "0.50", "0.75", "1.00" })
        {
            var kappa = Assert.Single(scalars, s => s.Tag == $"kappa/t={t}");
            var eigenvalues = Assert.Single(histograms, h => h.Tag == $"eigenvalues/t={t}");
            Assert.Equal(60L, kappa.Step);
            Assert.Equal(60L, eigenvalues.Step);
            Assert.Equal(2, eigenvalues.Count);   // moons: d = 2
            Assert.Equal(eigenvalues.Max / eigenvalues.Min, kappa.Value, 1e-5 * kappa.Value);
        }
        // Wall times are seconds since the Unix epoch.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.All(loss, s => Assert.InRange(s.WallTime, now - 3600, now + 3600));
    }

    [Fact]
    public void TheReaderChecksTheCrcOfEveryRecord()
    {
        var log = new PrecondFlow.Reporting.TensorBoard.TensorBoardLog(folder);
        log.Scalar("x", 1.5, 3);
        var file = Directory.GetFiles(folder, "events.out.tfevents.*").Single();
        Assert.Contains(TensorBoardEventFile.Scalars(folder), s => s.Tag == "x" && s.Step == 3 && s.Value == 1.5f);
        var bytes = File.ReadAllBytes(file);
        bytes[^6] ^= 0x40;   // a bit of the last record's payload
        File.WriteAllBytes(file, bytes);
        Assert.Contains("data CRC", Assert.Throws<InvalidDataException>(() => TensorBoardEventFile.Read(file)).Message);
    }
}
