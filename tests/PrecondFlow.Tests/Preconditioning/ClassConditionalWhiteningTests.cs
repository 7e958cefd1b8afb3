using PrecondFlow.Data;
using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

public class ClassConditionalWhiteningTests
{
    private const int K = PreconditionerCases.NumClasses;

    /// <summary>Keeps every point of the other classes and only the first <paramref name="extra"/> points of class
    /// <paramref name="sparseClass"/>.</summary>
    private static PointCloud WithSparseClass(PointCloud data, int sparseClass, int extra)
    {
        var labels = data.Labels!.data<long>().ToArray();
        var rows = new List<long>();
        var taken = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] != sparseClass)
                rows.Add(i);
            else if (taken++ < extra)
                rows.Add(i);
        }
        using var index = torch.tensor(rows.ToArray());
        return new PointCloud(data.Points.index_select(0, index), data.Labels.index_select(0, index), K);
    }

    [Fact]
    public void EachClassIsWhitenedToZeroMeanAndIdentityCovariance()
    {
        var data = PreconditionerCases.LabelledGaussians(100_000, 3, seed: 21);
        using var p = new ClassConditionalWhitening(3, K);
        p.Fit(data);
        using var scope = torch.NewDisposeScope();
        var (z, _) = p.Forward(data.Points, data.Labels);
        for (var k = 0; k < K; k++)
        {
            var zk = z.index_select(0, (data.Labels! == k).nonzero().squeeze(1));
            var deviation = (PreconditionerCases.Covariance(zk) - torch.eye(3, dtype: ScalarType.Float64)).abs().max().item<double>();
            // Fitted on the same samples: exact up to float64 rounding, far inside the promised 1e-3.
            Assert.True(deviation < 1e-3, $"class {k}: max |Cov(z) − I| = {deviation:g3}");
            Assert.True(zk.mean([0]).abs().max().item<double>() < 1e-9);
        }
        // The pooled z is N(0, I) as well, while the pooled x is far from it (the classes have different means).
        Assert.True(PreconditionerCases.ConditionNumber(PreconditionerCases.Covariance(data.Points)) > 3);
    }

    [Fact]
    public void LogAbsDetIsMinusHalfTheLogDeterminantOfTheClassCovariance()
    {
        var data = PreconditionerCases.LabelledGaussians(3000, 3, seed: 22);
        using var p = new ClassConditionalWhitening(3, K);
        p.Fit(data);
        using var scope = torch.NewDisposeScope();
        var (_, logDet) = p.Forward(data.Points, data.Labels);
        for (var k = 0; k < K; k++)
        {
            var rows = (data.Labels! == k).nonzero().squeeze(1);
            var (_, logDetSigma) = torch.linalg.slogdet(PreconditionerCases.Covariance(data.Points.index_select(0, rows)));
            var values = logDet.index_select(0, rows);
            // One float64 quantity computed two ways; every point of the class shares it.
            Assert.Equal(-0.5 * logDetSigma.item<double>(), values.min().item<double>(), 1e-10);
            Assert.Equal(values.min().item<double>(), values.max().item<double>());
        }
    }

    [Fact]
    public void FittingWithoutLabelsIsAnError()
    {
        var data = PreconditionerCases.LabelledGaussians(300, 3, seed: 23);
        using var p = new ClassConditionalWhitening(3, K);
        var e = Assert.Throws<ArgumentException>(() => p.Fit(data with { Labels = null }));
        Assert.Contains("needs labelled data", e.Message);
    }

    [Fact]
    public void MappingWithoutLabelsIsAnError()
    {
        using var p = (ClassConditionalWhitening)PreconditionerCases.Fitted("class-whiten");
        using var x = torch.zeros(4, 3, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => p.Inverse(x));
        Assert.Contains("conditioned on the class label: pass labels", e.Message);
    }

    [Fact]
    public void ALabelUnseenInFittingIsNamed()
    {
        var data = WithSparseClass(PreconditionerCases.LabelledGaussians(600, 3, seed: 24), sparseClass: 2, extra: 0);
        using var p = new ClassConditionalWhitening(3, K);
        var report = p.Fit(data);
        Assert.Contains(report.Notes, n => n.Contains("not fitted") && n.Contains('2'));
        Assert.Equal(0, p.ClassCounts[2]);
        using var x = torch.zeros(2, 3, dtype: ScalarType.Float64);
        using var labels = torch.tensor(new long[] { 0, 2 });
        var e = Assert.Throws<ArgumentException>(() => p.Forward(x, labels));
        Assert.Contains("label 2 was not seen when fitting", e.Message);
        Assert.Contains("Fitted classes: 0, 1", e.Message);
    }

    [Fact]
    public void ALabelOutsideTheClassRangeIsNamed()
    {
        using var p = (ClassConditionalWhitening)PreconditionerCases.Fitted("class-whiten");
        using var x = torch.zeros(1, 3, dtype: ScalarType.Float64);
        using var labels = torch.tensor(new long[] { 7 });
        var e = Assert.Throws<ArgumentException>(() => p.Forward(x, labels));
        Assert.Contains("label 7 is outside [0, 3)", e.Message);
    }

    [Fact]
    public void AClassWithTooFewSamplesIsAnErrorWithoutFallback()
    {
        var data = WithSparseClass(PreconditionerCases.LabelledGaussians(600, 3, seed: 25), sparseClass: 1, extra: 3);
        using var p = new ClassConditionalWhitening(3, K);
        var e = Assert.Throws<ArgumentException>(() => p.Fit(data));
        Assert.Contains("class 1 has 3 samples in d = 3 dimensions", e.Message);
        Assert.Contains("fallback", e.Message);
    }

    [Fact]
    public void WithFallbackASmallClassIsBlendedHalfAndHalfWithThePooledCovariance()
    {
        var data = WithSparseClass(PreconditionerCases.LabelledGaussians(600, 3, seed: 26), sparseClass: 1, extra: 3);
        using var p = new ClassConditionalWhitening(3, K, fallback: true);
        var report = p.Fit(data);
        Assert.Contains(report.Notes, n => n.StartsWith("class 1: 3 samples"));

        using var scope = torch.NewDisposeScope();
        var labels = data.Labels!;
        var x = data.Points;
        var scatter = torch.zeros(3, 3, dtype: ScalarType.Float64);
        Tensor? own = null;
        for (var k = 0; k < K; k++)
        {
            var xk = x.index_select(0, (labels == k).nonzero().squeeze(1));
            var centred = xk - xk.mean([0]);
            scatter = scatter + centred.T.mm(centred);
            if (k == 1)
                own = PreconditionerCases.Covariance(xk);
        }
        var pooled = scatter / (x.shape[0] - K);
        var expected = 0.5 * own! + 0.5 * pooled;
        Assert.True((p.Covariance(1) - expected).abs().max().item<double>() < 1e-10);
        // The well-sampled classes keep their own covariance.
        var x0 = x.index_select(0, (labels == 0).nonzero().squeeze(1));
        Assert.True((p.Covariance(0) - PreconditionerCases.Covariance(x0)).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void WithFallbackASingleSampleClassUsesThePooledCovariance()
    {
        var data = WithSparseClass(PreconditionerCases.LabelledGaussians(600, 3, seed: 27), sparseClass: 0, extra: 1);
        using var p = new ClassConditionalWhitening(3, K, fallback: true);
        var report = p.Fit(data);
        Assert.Contains(report.Notes, n => n.StartsWith("class 0: 1 sample"));
        using var scope = torch.NewDisposeScope();
        var (z, _) = p.Forward(data.Points, data.Labels);
        Assert.True(PreconditionerCases.RelativeError(p.Inverse(z, data.Labels), data.Points) < 1e-10);
        var lone = Array.IndexOf(data.Labels!.data<long>().ToArray(), 0L);
        Assert.True(PreconditionerCases.Identical(p.Mean(0), data.Points[lone]), "the lone sample is its class mean");
    }

    [Fact]
    public void ShrinkageAppliesToEveryClass()
    {
        var data = WithSparseClass(PreconditionerCases.LabelledGaussians(600, 3, seed: 28), sparseClass: 1, extra: 3);
        using var p = new ClassConditionalWhitening(3, K, shrinkage: 0.2);
        var report = p.Fit(data);   // shrinkage makes the 3-sample class full rank: no fallback needed
        Assert.Empty(report.Notes);
        using var scope = torch.NewDisposeScope();
        var x1 = data.Points.index_select(0, (data.Labels! == 1).nonzero().squeeze(1));
        var sigma = PreconditionerCases.Covariance(x1);
        var expected = 0.8 * sigma + 0.2 * sigma.trace() / 3 * torch.eye(3, dtype: ScalarType.Float64);
        Assert.True((p.Covariance(1) - expected).abs().max().item<double>() < 1e-10);
    }
}
