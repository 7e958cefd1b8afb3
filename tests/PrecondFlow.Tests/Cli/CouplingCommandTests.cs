using System.Globalization;
using System.Text;

namespace PrecondFlow.Tests.Cli;

/// <summary>`train --source / --coupling / --sigma` and `sample --from` from the command line.</summary>
public class CouplingCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-coupling-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string In(string name) => Path.Combine(folder, name);

    private string Out => In("model");

    /// <summary>Two labelled clusters of 2D points: class 0 around (x₀, 0), class 1 around (x₁, 0).</summary>
    private string TwoClasses(string name, double class0, double class1, int seed, int perClass = 400)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("x1,x2,label\n");
        for (int i = 0; i < 2 * perClass; i++)
        {
            int label = i < perClass ? 0 : 1;
            double x = (label == 0 ? class0 : class1) + 0.3 * (random.NextDouble() - 0.5);
            double y = 0.3 * (random.NextDouble() - 0.5);
            csv.Append(string.Create(CultureInfo.InvariantCulture, $"{x},{y},{label}\n"));
        }
        File.WriteAllText(In(name), csv.ToString());
        return In(name);
    }

    private void AssertRejected(CliRunner.Outcome outcome, int exitCode, params string[] fragments)
    {
        Assert.Equal(exitCode, outcome.ExitCode);
        foreach (var fragment in fragments)
            Assert.Contains(fragment, outcome.Error);
        if (exitCode == 2)
            Assert.Single(outcome.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(Out), "a failed run must leave no output folder");
    }

    private CliRunner.Outcome Train(params string[] extra) =>
        CliRunner.Run(new[] { "train", "--data", "moons", "--count", "500", "--steps", "5", "--batch-size", "32", "--out", Out }.Concat(extra).ToArray());

    [Fact]
    public void ASourceOfAnotherDimensionIsRejected()
    {
        File.WriteAllText(In("three.csv"), "1,2,3\n4,5,6\n");
        AssertRejected(Train("--source", In("three.csv")), 2, "--source", "3 dimensions", "--data has 2");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.5")]
    public void ANonPositiveSinkhornEpsilonIsRejected(string epsilon) =>
        AssertRejected(Train("--coupling", "sinkhorn", "--sinkhorn-eps", epsilon), 2, "Sinkhorn ε must be a positive number");

    [Fact]
    public void AnUnknownCouplingIsAParseError() =>
        // Like every other closed list of values (--path, --device): exit 1, naming the bad value and the valid ones.
        AssertRejected(Train("--coupling", "emd"), 1, "emd", "sinkhorn");

    [Fact]
    public void BridgeNoiseOnANonLinearPathIsRejected() =>
        AssertRejected(Train("--sigma", "0.1", "--path", "vp"), 2, "linear path");

    [Fact]
    public void ANegativeSigmaIsRejected() =>
        AssertRejected(Train("--sigma", "-0.1"), 2, "σ must be 0 or positive");

    [Fact]
    public void SpellingOutTheDefaultsChangesNoNumber()
    {
        string SampleOf(string name, params string[] extra)
        {
            var model = In(name);
            var trained = CliRunner.Run(new[] { "train", "--data", "moons", "--count", "500", "--steps", "20", "--batch-size", "64", "--out", model, "--seed", "3" }
                .Concat(extra).ToArray());
            Assert.True(trained.ExitCode == 0, trained.Error);
            var samples = In(name + ".csv");
            var sampled = CliRunner.Run("sample", "--model", model, "--count", "200", "--out", samples, "--solver", "euler", "--ode-steps", "4");
            Assert.True(sampled.ExitCode == 0, sampled.Error);
            return File.ReadAllText(samples);
        }
        var plain = SampleOf("plain");
        Assert.Equal(plain, SampleOf("spelled", "--coupling", "independent", "--sigma", "0", "--coupling-space", "flow"));
        // The comparison can fail: another coupling gives other weights, hence other samples.
        Assert.NotEqual(plain, SampleOf("ot", "--coupling", "ot"));
    }

    [Fact]
    public void ALabelledSourceIsCarriedToTheSameClassOfTheTarget()
    {
        // End to end through files: labelled --source, a class-conditional flow, `sample --from` with the start points'
        // labels. The target swaps the classes' sides, so each start point must reach its own class's cluster. (That
        // pairs never cross classes is checked where it can fail: FlowTrainerCouplingTests traces target points back.)
        var source = TwoClasses("source.csv", -3, 3, seed: 1);
        var target = TwoClasses("target.csv", 3, -3, seed: 2);
        var trained = CliRunner.Run("train", "--data", target, "--source", source, "--preconditioner", "none", "--coupling", "ot",
            "--steps", "400", "--batch-size", "128", "--lr", "5e-3", "--hidden", "64,64", "--out", Out, "--seed", "4");
        Assert.True(trained.ExitCode == 0, trained.Error);
        var start = TwoClasses("start.csv", -3, 3, seed: 5, perClass: 100);
        var end = In("end.csv");
        var sampled = CliRunner.Run("sample", "--model", Out, "--from", start, "--out", end, "--solver", "rk4", "--ode-steps", "50");
        Assert.True(sampled.ExitCode == 0, sampled.Error);
        var rows = File.ReadAllLines(end).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(200, rows.Length);
        int correct = rows.Count(r =>
        {
            double x = double.Parse(r[0], CultureInfo.InvariantCulture);
            return r[^1] == "0" ? Math.Abs(x - 3) < 1.5 : Math.Abs(x + 3) < 1.5;
        });
        // 95 % within 1.5 of their class's target cluster leaves room for a 400-step MLP.
        Assert.True(correct >= 190, $"{correct} of 200 start points reached their class's target cluster");
    }

    [Fact]
    public void SampleFromRejectsPointsOfAnotherDimension()
    {
        var trained = Train();
        Assert.True(trained.ExitCode == 0, trained.Error);
        File.WriteAllText(In("three.csv"), "1,2,3\n4,5,6\n");
        var outcome = CliRunner.Run("sample", "--model", Out, "--from", In("three.csv"), "--out", In("s.csv"));
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("3 dimensions", outcome.Error);
        Assert.False(File.Exists(In("s.csv")));
    }
}
