using System.Diagnostics;

namespace PrecondFlow.Tests.Cli;

/// <summary>
/// `reproduce` runs the 2D studies' jobs as child processes; a child started with `--exit-with-parent` stops when the
/// parent ends, which it learns from its standard input closing (the parent holds it open and never writes). A killed
/// parent therefore leaves no job computing.
/// </summary>
public sealed class StudyJobParentTests
{
    [Fact]
    public async Task AJobStopsSoonAfterItsStandardInputClosesAndSaysWhy()
    {
        var work = Directory.CreateTempSubdirectory("precondflow-job-parent-");
        try
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // fig2's first job at the full budget runs for minutes: it is still computing when its input closes.
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "PrecondFlow.Cli.dll"), "study-2d-job", "fig2",
                         "--job", "0", "--work", work.FullName, "--exit-with-parent" })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            var firstLine = process.StandardOutput.ReadLineAsync();
            Assert.Same(firstLine, await Task.WhenAny(firstLine, Task.Delay(TimeSpan.FromSeconds(60))));   // progress within 60 s
            var output = process.StandardOutput.ReadToEndAsync();

            process.StandardInput.Close();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            bool stopped = true;
            try
            {
                await process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                stopped = false;
            }
            if (!stopped)
                process.Kill();
            Assert.True(stopped, "the job was still running 30 s after its standard input closed");
            Assert.Equal(143, process.ExitCode);
            Assert.Contains("the process that started this job ended", await errors);
            await output;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
