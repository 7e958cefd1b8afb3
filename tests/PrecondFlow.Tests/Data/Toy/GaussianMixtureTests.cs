using PrecondFlow.Data.Toy;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Toy;

public class GaussianMixtureTests
{
    [Fact]
    public void LabelsFollowTheWeightsAndEachComponentHasItsOwnMeanAndCovariance()
    {
        using var scope = NewDisposeScope();
        const int n = 20_000;
        var mixture = GaussianMixture.Default2D();
        var cloud = mixture.Sample(n, seed: 5, ScalarType.Float64);
        var frequencies = cloud.Labels!.bincount(null, 3).to(ScalarType.Float64) / n;
        // Standard error of a frequency ≤ 0.5/√n = 0.0035; 0.02 is 5.7 of them.
        Assert.True(Moments.MaxAbs(frequencies - mixture.Weights) < 0.02);
        for (var k = 0; k < 3; k++)
        {
            var points = cloud.Points[cloud.Labels!.eq(k)];
            var whitened = (points - mixture.Means[k]).matmul(Moments.InverseSqrt(mixture.Covariances[k]));
            // ≥ 5000 points per component: standard errors ≤ 0.014 (mean) and 0.02 (variance); 0.06 and 0.08 are ≥ 4 of them.
            Assert.True(Moments.MaxAbs(Moments.Mean(whitened)) < 0.06);
            Assert.True(Moments.MaxAbs(Moments.Covariance(whitened) - eye(2, dtype: ScalarType.Float64)) < 0.08);
        }
    }

    [Fact]
    public void TheWholeSampleHasTheMixturesMeanAndCovariance()
    {
        using var scope = NewDisposeScope();
        const int n = 20_000;
        var mixture = GaussianMixture.Default2D();
        var x = mixture.Sample(n, seed: 6, ScalarType.Float64).Points;
        var sigma = mixture.Covariance;
        // Non-Gaussian data, so no closed-form standard error; the coordinates have std < 2, so the
        // mean's standard error is < 0.015 and a covariance entry's about 0.03: 0.05 and 0.1 leave ≥ 3 of them.
        Assert.True(Moments.MaxAbs(Moments.Mean(x) - mixture.Mean) < 0.05);
        Assert.True(Moments.MaxAbs(Moments.Covariance(x) - sigma) < 0.1);
        // Law of total covariance, checked by hand for the default mixture's x-variance:
        // Σ_k π_k (Σ_k,xx + μ_k,x²) − μ_x².
        var sigmas = mixture.Covariances;
        var weights = new[] { 0.4, 0.35, 0.25 };
        var meansX = new[] { -2.0, 2.0, 0.0 };
        var muX = weights.Zip(meansX, (w, m) => w * m).Sum();
        var varianceX = Enumerable.Range(0, 3).Sum(k => weights[k] * (sigmas[k, 0, 0].item<double>() + meansX[k] * meansX[k])) - muX * muX;
        Assert.Equal(varianceX, sigma[0, 0].item<double>(), 12);
    }

    [Fact]
    public void MixturesWorkInAnyDimensionAndKeepTheirParameters()
    {
        using var scope = NewDisposeScope();
        var weights = tensor(new[] { 2.0, 6.0 });
        var means = tensor(new[] { 0.0, 1, 2, -1, -1, -1 }, [2, 3]);
        var covariances = stack([eye(3, dtype: ScalarType.Float64), diag(tensor(new[] { 4.0, 1, 0.25 }))]);
        var mixture = GaussianMixture.FromTensors(weights, means, covariances);
        Assert.Equal(3, mixture.Dim);
        Assert.Equal(2, mixture.NumClasses);
        // Weights are normalised to sum to 1.
        Assert.Equal(new[] { 0.25, 0.75 }, mixture.Weights.data<double>().ToArray());
        Assert.True(mixture.Means.equal(means.to(ScalarType.Float64)).all().item<bool>());
        Assert.True(mixture.Covariances.equal(covariances).all().item<bool>());
        var cloud = mixture.Sample(100, seed: 1);
        Assert.Equal(new long[] { 100, 3 }, cloud.Points.shape);
    }

    [Fact]
    public void ACovarianceThatIsNotPositiveDefiniteIsRejectedByIndex()
    {
        var error = Assert.Throws<ArgumentException>(() => new GaussianMixture(
            [0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [new[,] { { 1.0, 0 }, { 0, 1 } }, new[,] { { 1.0, 2 }, { 2, 1 } }]));
        Assert.Equal("covariances", error.ParamName);
        Assert.Contains("Covariance 1 is not positive definite", error.Message);
    }

    [Fact]
    public void AnAsymmetricCovarianceIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new GaussianMixture(
            [1.0], [[0.0, 0.0]], [new[,] { { 1.0, 0.5 }, { 0.2, 1 } }]));
        Assert.Contains("Covariance 0 is not symmetric", error.Message);
    }

    [Fact]
    public void MismatchedShapesAndBadWeightsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new GaussianMixture([1.0, 1.0], [[0.0, 0.0]], [new double[2, 2]]));
        Assert.Throws<ArgumentException>(() => new GaussianMixture([1.0], [[0.0, 0.0]], [new[,] { { 1.0 } }]));
        Assert.Equal("weights", Assert.Throws<ArgumentOutOfRangeException>(
            () => new GaussianMixture([-1.0], [[0.0]], [new[,] { { 1.0 } }])).ParamName);
    }
}
