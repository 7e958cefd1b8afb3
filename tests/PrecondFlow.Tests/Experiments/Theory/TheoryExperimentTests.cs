using System.Text.Json;
using PrecondFlow.Theory;

namespace PrecondFlow.Tests.Experiments.Theory;

public class TheoryExperimentTests
{
    [Fact]
    public void WritesTheoryJsonWithTheDocumentedKeysAndTheFigure6Charts()
    {
        var options = new TheoryOptions { Kappas = new[] { 1.0, 10, 100 }, FigureKappa = 10, TimeCount = 11 };
        var result = TheoryExperiment.Run(options);
        var folder = Directory.CreateTempSubdirectory("theory-").FullName;
        try
        {
            TheoryReport.Write(folder, result);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, TheoryReport.JsonFile)));
            var root = json.RootElement;
            Assert.Equal(new[] { 1.0, 10, 100 }, root.GetProperty("kappa").EnumerateArray().Select(e => e.GetDouble()));
            var plain = root.GetProperty("steps_plain").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var preconditioned = root.GetProperty("steps_preconditioned").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.True(plain[2] > plain[1] && plain[1] > plain[0], $"plain steps [{string.Join(", ", plain)}] grow with κ");
            Assert.All(preconditioned, s => Assert.Equal(1, s));
            Assert.Equal(3, root.GetProperty("kappa_t").GetArrayLength());
            Assert.Equal(11, root.GetProperty("t").GetArrayLength());
            var figure = root.GetProperty("figure");
            Assert.Equal(options.FigureDirections, figure.GetProperty("gd_error").GetArrayLength());
            Assert.Equal(options.FigureDirections, figure.GetProperty("stationary_variance_measured").GetArrayLength());
            foreach (var png in new[] { TheoryReport.KappaChartFile, TheoryReport.GradientDescentChartFile,
                         TheoryReport.StochasticGradientChartFile, TheoryReport.StepsChartFile })
            {
                var bytes = File.ReadAllBytes(Path.Combine(folder, png));
                Assert.True(bytes.Length > 1000 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', png);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void KappaCurvesStartAtOneAndEndAtKappa()
    {
        var result = TheoryExperiment.Run(new TheoryOptions { Kappas = new[] { 10.0, 1000 }, FigureKappa = 10, TimeCount = 5 });
        Assert.Equal(1.0, result.KappaCurves[1][0], 12);
        Assert.Equal(1000.0, result.KappaCurves[1][^1], 9);
    }
}
