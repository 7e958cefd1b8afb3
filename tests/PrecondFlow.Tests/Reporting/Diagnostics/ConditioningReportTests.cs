using System.Text.Json;
using PrecondFlow.Diagnostics;
using PrecondFlow.Paths;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Reporting.Diagnostics;

public class ConditioningReportTests
{
    private static (Tensor Points, Tensor Labels) LabelledPoints()
    {
        using var generator = new Generator(1);
        var points = randn(400, 2, generator: generator) * tensor(new[] { 3.0f, 0.5f });
        var labels = (arange(400) % 2).to_type(ScalarType.Int64);
        return (points, labels);
    }

    [Fact]
    public void ConditioningJsonHasExactlyTheDocumentedKeys()
    {
        var (points, labels) = LabelledPoints();
        var path = AffinePath.FromName("linear");
        var folder = Directory.CreateTempSubdirectory("conditioning-").FullName;
        try
        {
            var plainFile = Path.Combine(folder, "plain.json");
            ConditioningReport.WriteJson(plainFile, ConditioningAnalysis.Sampled(points, path));
            using (var plain = JsonDocument.Parse(File.ReadAllText(plainFile)))
                Assert.Equal(new[] { "t", "kappa", "eigenvalues" }, plain.RootElement.EnumerateObject().Select(p => p.Name));

            var labelledFile = Path.Combine(folder, ConditioningReport.JsonFile);
            var profile = ConditioningAnalysis.Sampled(points, path, labels: labels);
            ConditioningReport.WriteJson(labelledFile, profile);
            using var labelled = JsonDocument.Parse(File.ReadAllText(labelledFile));
            var root = labelled.RootElement;
            Assert.Equal(new[] { "t", "kappa", "eigenvalues", "per_class" }, root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(11, root.GetProperty("t").GetArrayLength());
            Assert.Equal(2, root.GetProperty("eigenvalues")[0].GetArrayLength());
            var perClass = root.GetProperty("per_class");
            Assert.Equal(new[] { "0", "1" }, perClass.EnumerateObject().Select(p => p.Name));
            Assert.Equal(new[] { "t", "kappa", "eigenvalues" }, perClass.GetProperty("1").EnumerateObject().Select(p => p.Name));

            var readBack = ConditioningReport.ReadJson(labelledFile);
            Assert.Equal(profile.Kappa, readBack.Kappa);
            Assert.Equal(profile.PerClass![1].Kappa, readBack.PerClass![1].Kappa);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void KappaChartsAreWrittenAsPng()
    {
        var (points, labels) = LabelledPoints();
        var path = AffinePath.FromName("linear");
        var none = ConditioningAnalysis.Sampled(points, path, labels: labels);
        var whitened = ConditioningAnalysis.Sampled(points / tensor(new[] { 3.0f, 0.5f }), path);
        var folder = Directory.CreateTempSubdirectory("kappa-").FullName;
        try
        {
            var named = Path.Combine(folder, ConditioningReport.ChartFile);
            ConditioningReport.WriteKappaChart(named, new Dictionary<string, ConditioningProfile> { ["none"] = none, ["whiten"] = whitened });
            var perClass = Path.Combine(folder, "per-class.png");
            ConditioningReport.WriteKappaChart(perClass, none);
            foreach (var file in new[] { named, perClass })
            {
                var bytes = File.ReadAllBytes(file);
                Assert.True(bytes.Length > 1000 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G');
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
