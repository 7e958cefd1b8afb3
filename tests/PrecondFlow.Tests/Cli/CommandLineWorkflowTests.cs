using PrecondFlow.Data;

namespace PrecondFlow.Tests.Cli;

/// <summary>The commands a user runs, end to end on tiny budgets: the outputs they promise exist and reload.</summary>
public class CommandLineWorkflowTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void TrainThenSampleWritesAModelFolderAndAPointFile()
    {
        var model = Path.Combine(folder, "model");
        var train = CliRunner.Run("train", "--data", "8gaussians", "--count", "2000", "--steps", "40", "--hidden", "32,32",
            "--log-every", "10", "--device", "cpu", "--out", model);
        Assert.True(train.ExitCode == 0, train.Error);
        foreach (var file in new[] { "model.json", "field.bin", "optimizer.bin", "run.json", "loss.png" })
            Assert.True(File.Exists(Path.Combine(model, file)), file);

        var samples = Path.Combine(folder, "samples.csv");
        var sample = CliRunner.Run("sample", "--model", model, "--count", "300", "--solver", "rk4", "--ode-steps", "10",
            "--out", samples, "--png", Path.Combine(folder, "samples.png"));
        Assert.True(sample.ExitCode == 0, sample.Error);
        var cloud = PointCloudFiles.Read(samples);
        Assert.Equal(300, cloud.Count);
        Assert.True(cloud.HasLabels, "8gaussians is labelled, so the model is class-conditional and samples carry labels");
        Assert.True(File.Exists(Path.Combine(folder, "samples.png")));
    }

    [Fact]
    public void AnInterruptedRunResumesFromItsCheckpoint()
    {
        var model = Path.Combine(folder, "model");
        // Exact equality of resumed and uninterrupted weights is a library property (FlowTrainerTests); here the command
        // must reopen a saved folder, keep its preconditioner, and record where it came from.
        var first = CliRunner.Run("train", "--data", "moons", "--count", "1000", "--steps", "30", "--hidden", "16",
            "--preconditioner", "whiten", "--log-every", "10", "--checkpoint-every", "10", "--out", model);
        Assert.True(first.ExitCode == 0, first.Error);
        var resumedFolder = Path.Combine(folder, "resumed");
        var resumed = CliRunner.Run("train", "--data", "moons", "--count", "1000", "--resume", model, "--out", resumedFolder);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var run = File.ReadAllText(Path.Combine(resumedFolder, "run.json"));
        Assert.Contains("\"resumed_from\": \"model\"", run);
        Assert.Contains("\"preconditioner\": \"whiten\"", run);
    }

    [Fact]
    public void TheDemoWritesItsPicturesAndResultsAndLinksEveryOneFromItsReport()
    {
        var output = Path.Combine(folder, "demo");
        var demo = CliRunner.Run("demo", "--steps", "20", "--out", output);
        Assert.True(demo.ExitCode == 0, demo.Error);
        var report = File.ReadAllText(Path.Combine(output, "report.md"));
        foreach (var file in new[] { "kappa.png", "spectrum.png", "samples.png", "results.json",
                     "study-kappa-10000/report.md", "study-kappa-100/report.md" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
            Assert.Contains($"({file})", report);
        }
        foreach (var link in System.Text.RegularExpressions.Regex.Matches(report, @"\]\(([^)]+)\)").Select(m => m.Groups[1].Value))
            Assert.True(File.Exists(Path.Combine(output, link)), $"report.md links {link}, which is missing");
        var results = File.ReadAllText(Path.Combine(output, "results.json"));
        foreach (var key in new[] { "spectrum_min_ratio", "final_spectrum_min_ratio", "kappa_raw", "kappa_preconditioned", "speed_up", "configuration", "runtime" })
            Assert.Contains($"\"{key}\":", results);
    }
}
