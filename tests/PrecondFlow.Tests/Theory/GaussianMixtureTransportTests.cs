using PrecondFlow.Theory;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Theory;

public class GaussianMixtureTransportTests
{
    private static GaussianMixtureTransport TwoComponents()
    {
        using var easy = diag(tensor(new[] { 0.5, 1.0 }));
        using var hard = diag(tensor(new[] { 0.02, 2.0 }));
        return new GaussianMixtureTransport(new[] { 3.0, 1.0 }, new[] { easy, hard });
    }

    [Fact]
    public void EachComponentHasItsOwnConditionNumber()
    {
        var mixture = TwoComponents();
        Assert.Equal(new[] { 0.75, 0.25 }, mixture.Weights);
        var kappas = mixture.ConditionNumbersAt(1);
        Assert.Equal(2.0, kappas[0], 10);
        Assert.Equal(100.0, kappas[1], 10);
        const double t = 0.5;
        Assert.Equal(GaussianTransport.LinearPathConditionNumber(t, 0.02, 2.0), mixture.ConditionNumbersAt(t)[1], 10);
    }

    [Fact]
    public void TheHardestComponentSetsTheGlobalRate()
    {
        var mixture = TwoComponents();
        foreach (var t in new[] { 0.25, 0.5, 1.0 })
        {
            var s = (1 - t) * (1 - t);
            // eq. 90: the smallest eigenvalue over all components, here the hard one's 0.02.
            Assert.Equal(s + t * t * 0.02, mixture.SmallestEigenvalueAt(t), 12);
            Assert.Equal(s + t * t * 2.0, mixture.LargestEigenvalueAt(t), 12);
            Assert.True(mixture.EffectiveConditionNumberAt(t) >= mixture.ConditionNumbersAt(t).Max() - 1e-12);
        }
    }

    [Fact]
    public void SamplesFollowTheWeightsAndTheComponentCovariances()
    {
        var mixture = TwoComponents();
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var (points, labels) = mixture.Sample(40_000, generator);
        var share = (labels == 1).to_type(ScalarType.Float64).mean().item<double>();
        // Binomial share of 40 000 draws: standard error √(0.25·0.75/40 000) ≈ 0.002.
        Assert.InRange(share, 0.24, 0.26);
        var hard = points.index_select(0, (labels == 1).nonzero().flatten());
        var covariance = SymmetricMatrices.Covariance(hard).data<double>().ToArray();
        // 10 000 points: the variance 2.0 has standard error 2·√(2/10 000) ≈ 0.03.
        Assert.InRange(covariance[3], 1.88, 2.12);
        Assert.InRange(covariance[0], 0.018, 0.022);
    }
}
