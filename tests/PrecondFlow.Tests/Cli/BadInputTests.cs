namespace PrecondFlow.Tests.Cli;

/// <summary>
/// Bad input gets a one-line error that names the problem, a non-zero exit code, and leaves no output behind.
/// Exit code 1 is a malformed command line (caught while parsing), 2 is input that parses but cannot be used.
/// </summary>
public class BadInputTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string File(string name, string content)
    {
        var path = Path.Combine(folder, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private string Out => Path.Combine(folder, "model");

    private CliRunner.Outcome Train(params string[] extra) =>
        CliRunner.Run(new[] { "train", "--steps", "5", "--out", Out }.Concat(extra).ToArray());

    private void AssertRejected(CliRunner.Outcome outcome, int exitCode, params string[] fragments)
    {
        Assert.Equal(exitCode, outcome.ExitCode);
        foreach (var fragment in fragments)
            Assert.Contains(fragment, outcome.Error);
        if (exitCode == 2)
            Assert.Single(outcome.Error.Trim().Split('\n')); // one line
        Assert.False(Directory.Exists(Out), "a failed run must leave no output folder");
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void NotANumberInThePointFileIsRejectedWithItsLine()
    {
        var data = File("points.csv", "x1,x2\n0.1,0.2\n0.3,NaN\n");
        AssertRejected(Train("--data", data), 2, "points.csv", "line 3");
    }

    [Fact]
    public void InfiniteValuesAreRejected()
    {
        var data = File("points.csv", "0.1,0.2\n-Infinity,0.2\n");
        AssertRejected(Train("--data", data), 2, "points.csv", "line 2");
    }

    [Fact]
    public void AnEmptyFileIsRejected()
    {
        var data = File("empty.csv", "");
        AssertRejected(Train("--data", data), 2, "empty.csv");
    }

    [Fact]
    public void AWrongColumnCountIsRejectedWithTheLine()
    {
        var data = File("points.csv", "0.1,0.2\n0.3,0.4,0.5\n");
        AssertRejected(Train("--data", data), 2, "points.csv", "line 2", "expected 2 columns, found 3");
    }

    [Fact]
    public void AMissingFileIsRejected() =>
        AssertRejected(Train("--data", Path.Combine(folder, "nowhere.csv")), 2, "nowhere.csv");

    [Fact]
    public void AnUnknownDataSetNameSuggestsTheClosestOne() =>
        AssertRejected(Train("--data", "swissroll"), 2, "'swissroll'", "swiss-roll");

    [Fact]
    public void AnUnknownPathNameIsRejected() =>
        AssertRejected(Train("--path", "straight"), 1, "straight", "linear");

    [Fact]
    public void AnUnknownDeviceNameIsRejected() =>
        AssertRejected(Train("--device", "gpu"), 1, "gpu", "cuda");

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void ZeroOrNegativeStepsAreRejected(string steps) =>
        AssertRejected(CliRunner.Run("train", "--steps", steps, "--out", Out), 1, "--steps must be a positive whole number");

    [Fact]
    public void CudaRequestedWhereNoneExistsIsRejectedWithTheReason() =>
        AssertRejected(Train("--device", "cuda"), 2, "CUDA was requested but is not available");

    [Fact]
    public void AnUnknownSolverIsRejected()
    {
        var outcome = CliRunner.Run("sample", "--model", folder, "--out", Path.Combine(folder, "s.csv"), "--solver", "rk5");
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("rk5", outcome.Error);
        Assert.False(System.IO.File.Exists(Path.Combine(folder, "s.csv")));
    }

    [Fact]
    public void SamplingAFolderThatIsNotAModelIsRejected()
    {
        var outcome = CliRunner.Run("sample", "--model", folder, "--out", Path.Combine(folder, "s.csv"));
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("model.json is missing", outcome.Error);
    }
}
