using PrecondFlow.Diagnostics;
using PrecondFlow.LinearAlgebra;
using PrecondFlow.Paths;
using PrecondFlow.Theory;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Diagnostics;

public class ConditioningAnalysisTests
{
    // 200 000 points in 2-D: each eigenvalue of a sample covariance has a relative standard error of
    // about √(2/n) ≈ 0.3%, so κ = λ_max/λ_min is within ~0.5% (1σ); the 2% band is 4σ at the worst
    // time, and a 2×2 covariance of 200 000 points costs milliseconds.
    private const int Samples = 200_000;

    [Fact]
    public void SampledKappaOfAGaussianThroughTheLinearPathMatchesEquation15()
    {
        var transport = GaussianTransport.WithSpectrum(new[] { 0.1, 1.0 }, seed: 1);
        using var scope = NewDisposeScope();
        using var generator = new Generator(2);
        var x1 = transport.Sample(Samples, generator);
        var profile = ConditioningAnalysis.Sampled(x1, AffinePath.FromName("linear"), seed: 3);
        Assert.Equal(11, profile.Times.Count);
        Assert.Null(profile.PerClass);
        var worst = WorstRelativeGap(profile.Kappa, transport.ConditionNumbers(profile.Times));
        Assert.True(worst < 0.02, $"largest relative gap to eq. 15: {worst:P2}");
    }

    [Fact]
    public void PerClassKappaOfATwoComponentMixtureMatchesEquation15PerComponent()
    {
        using var wide = diag(tensor(new[] { 0.1, 1.0 }));
        using var narrow = diag(tensor(new[] { 2.0, 0.5 }));
        GaussianTransport[] components = [new(wide), new(narrow)];
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        // Equal weights, the single-Gaussian test's sample size per class; class k's points are N(0, Σₖ).
        var points = cat([components[0].Sample(Samples, generator), components[1].Sample(Samples, generator)], 0);
        var labels = cat([zeros(Samples, dtype: int64), ones(Samples, dtype: int64)], 0);
        var profile = ConditioningAnalysis.Sampled(points, AffinePath.FromName("linear"), seed: 5, labels: labels);
        Assert.NotNull(profile.PerClass);
        Assert.Equal(new[] { 0, 1 }, profile.PerClass!.Keys.OrderBy(k => k));
        for (var k = 0; k < 2; k++)
        {
            var worst = WorstRelativeGap(profile.PerClass[k].Kappa, components[k].ConditionNumbers(profile.Times));
            Assert.True(worst < 0.02, $"class {k}: largest relative gap to eq. 15: {worst:P2}");
        }
        // The pooled covariance is the mixture's (Σ₁ + Σ₂)/2 = diag(1.05, 0.75): far better conditioned
        // than the hard class, which is why the per-class profile matters.
        Assert.True(profile.Kappa[^1] < 1.5 && profile.PerClass[0].Kappa[^1] > 9.5);
        Assert.Equal(profile.PerClass[0].Kappa[^1], profile.WorstClassKappa()![^1]);
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("vp")]
    public void TheAffinePathsProfileFromPairMomentsIsTheCovarianceOfEveryXtFormedInFull(string pathName)
    {
        // Cov(α x₁ + σ x₀) is bilinear in the pairs, so the one-pass moments must give what forming x_t gives, with the
        // same noise draw, up to float64 rounding: 1e-9 relative leaves 10⁶ ulps for sums over 20 000 rows. 20 000 rows
        // span three blocks of the pass; an offset mean (50) checks the centring; two classes check the per-class moments.
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var x1 = randn(20_000, 5, dtype: float64, generator: generator) * tensor(new[] { 3.0, 1.0, 0.3, 0.1, 0.01 }) + 50;
        var labels = (arange(20_000, dtype: int64) % 3 == 0).to_type(int64);
        var path = AffinePath.FromName(pathName);
        var profile = ConditioningAnalysis.Sampled(x1, path, seed: 7, labels: labels);

        using var noiseGenerator = new Generator(7);
        var noise = randn(20_000, 5, dtype: float64, generator: noiseGenerator);
        var order = labels.argsort();
        var (sortedData, sortedNoise, sortedLabels) = (x1.index_select(0, order), noise.index_select(0, order), labels.index_select(0, order));
        for (int i = 0; i < profile.Times.Count; i++)
        {
            var t = full(20_000, 1, profile.Times[i], dtype: float64);
            var xt = path.Sample(sortedNoise, sortedData, t).Xt;
            AssertSpectrum(SymmetricMatrices.Eigenvalues(SampleCovariance.Of(xt)), profile.Eigenvalues[i], $"t = {profile.Times[i]}");
            for (int k = 0; k < 2; k++)
            {
                var rows = (sortedLabels == k).nonzero().flatten();
                AssertSpectrum(SymmetricMatrices.Eigenvalues(SampleCovariance.Of(xt.index_select(0, rows))), profile.PerClass![k].Eigenvalues[i],
                    $"class {k}, t = {profile.Times[i]}");
            }
        }
    }

    private static void AssertSpectrum(Tensor expected, IReadOnlyList<double> actual, string where)
    {
        var values = expected.data<double>().ToArray();
        Assert.Equal(values.Length, actual.Count);
        for (int j = 0; j < values.Length; j++)
            Assert.True(Math.Abs(values[j] - actual[j]) <= 1e-9 * Math.Abs(values[j]), $"{where}: eigenvalue {j} {actual[j]} vs {values[j]}");
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("sine-cosine")]
    [InlineData("vp")]
    public void ExactProfileOfAKnownCovarianceIsTheClosedForm(string pathName)
    {
        var path = AffinePath.FromName(pathName);
        var transport = GaussianTransport.WithSpectrum(new[] { 0.01, 0.2, 1.0 }, seed: 6, path.Scheduler);
        var profile = ConditioningAnalysis.FromCovariance(transport.Covariance, path);
        var expected = transport.ConditionNumbers(profile.Times);
        // Both are α²λ + σ² of float64 eigenvalues: agreement to round-off.
        Assert.True(WorstRelativeGap(profile.Kappa, expected) < 1e-9);
        for (var i = 0; i < profile.Times.Count; i++)
            Assert.Equal(transport.EigenvaluesAt(profile.Times[i])[0], profile.Eigenvalues[i][0], 10);
    }

    [Fact]
    public void SampledAndExactProfilesAgreeForAnyAffinePath()
    {
        var path = AffinePath.FromName("sine-cosine");
        var transport = GaussianTransport.WithSpectrum(new[] { 0.05, 1.0 }, seed: 7);
        using var scope = NewDisposeScope();
        using var generator = new Generator(8);
        var x1 = transport.Sample(Samples, generator);
        var labels = (arange(Samples) % 2).to_type(ScalarType.Int64);
        var sampled = ConditioningAnalysis.Sampled(x1, path, seed: 9, labels: labels);
        var exact = ConditioningAnalysis.Exact(x1, path, labels: labels);
        // The exact variant removes only the noise's sampling error: same 2% band as above.
        Assert.True(WorstRelativeGap(sampled.Kappa, exact.Kappa) < 0.02);
        Assert.True(WorstRelativeGap(sampled.PerClass![1].Kappa, exact.PerClass![1].Kappa) < 0.02);
    }

    [Fact]
    public void SameSeedGivesTheSameProfile()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(10);
        var x1 = randn(500, 3, generator: generator);
        var path = AffinePath.FromName("linear");
        var a = ConditioningAnalysis.Sampled(x1, path, seed: 1);
        var b = ConditioningAnalysis.Sampled(x1, path, seed: 1);
        var c = ConditioningAnalysis.Sampled(x1, path, seed: 2);
        Assert.Equal(a.Kappa, b.Kappa);
        Assert.NotEqual(a.Kappa, c.Kappa);
    }

    [Fact]
    public void MismatchedLabelsAreRejected()
    {
        using var x1 = zeros(10, 2);
        using var labels = zeros(9, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() =>
            ConditioningAnalysis.Sampled(x1, AffinePath.FromName("linear"), labels: labels));
        Assert.Contains("9 labels for 10 points", error.Message);
    }

    private static double WorstRelativeGap(IReadOnlyList<double> measured, IReadOnlyList<double> expected) =>
        measured.Zip(expected, (m, e) => Math.Abs(m / e - 1)).Max();
}
