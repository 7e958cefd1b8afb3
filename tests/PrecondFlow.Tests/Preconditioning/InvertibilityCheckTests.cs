using System.Text.Json.Nodes;
using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

public class InvertibilityCheckTests
{
    /// <summary>z = x, with an inverse that is off by a factor: a map whose inverse is wrong.</summary>
    private sealed class BrokenInverse(double factor) : IPreconditioner
    {
        public string Name => "broken";
        public bool IsConditional => false;
        public int Dim => 2;
        public int NumClasses => 0;
        public long ParameterCount => 0;
        public bool HasExactLogDet => true;
        public (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null) => (x.clone(), torch.zeros(x.shape[0]));
        public Tensor Inverse(Tensor z, Tensor? labels = null) => z * factor;
        public JsonObject Describe() => new() { ["kind"] = Name };
        public void Save(string folder) => throw new NotSupportedException();
        public void Dispose() { }
    }

    [Fact]
    public void AnExactMapPassesWithRoundingError()
    {
        using var p = PreconditionerCases.Fitted("whiten");
        var sample = PreconditionerCases.LabelledGaussians(1000, 3, seed: 51);
        var report = InvertibilityCheck.Run(p, sample);
        Assert.True(report.Passed);
        Assert.True(report.MaxRelativeError < 1e-13, $"{report.MaxRelativeError:g3}");   // float64 rounding only
        Assert.Equal(1000, report.Samples);
        Assert.Equal(InvertibilityCheck.Float64Threshold, report.Threshold);
    }

    [Fact]
    public void AWrongInverseIsReportedAsFailed()
    {
        using var x = torch.randn(100, 2, generator: new Generator(52));
        var report = InvertibilityCheck.Run(new BrokenInverse(1.01), x);
        Assert.False(report.Passed);
        Assert.Equal(InvertibilityCheck.Float32Threshold, report.Threshold);
        // Every point is off by 1 % of its own norm; relative to the RMS norm the largest is a few per cent.
        Assert.InRange(report.MaxRelativeError, 0.01, 0.05);
        Assert.InRange(report.MeanRelativeError, 0.005, 0.011);
    }

    [Fact]
    public void ANonFiniteRoundTripFails()
    {
        using var x = torch.randn(10, 2, generator: new Generator(53));
        var report = InvertibilityCheck.Run(new BrokenInverse(double.NaN), x, threshold: 1);
        Assert.True(double.IsNaN(report.MaxRelativeError));
        Assert.False(report.Passed);
    }
}
