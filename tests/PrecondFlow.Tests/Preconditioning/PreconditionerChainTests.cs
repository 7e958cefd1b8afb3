using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

public class PreconditionerChainTests
{
    [Fact]
    public void AnEmptyChainIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new PreconditionerChain());
        Assert.Contains("at least one member", e.Message);
    }

    [Fact]
    public void MembersOfDifferentDimensionsAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new PreconditionerChain(new IdentityPreconditioner(2), new IdentityPreconditioner(3)));
        Assert.Contains("member 1 (identity) has 3", e.Message);
    }

    [Fact]
    public void ForwardComposesInOrderAndSumsLogDets()
    {
        using var chain = (PreconditionerChain)PreconditionerCases.Fitted("chain");
        var sample = PreconditionerCases.LabelledGaussians(50, 3, seed: 41);
        using var scope = torch.NewDisposeScope();
        var (z, logDet) = chain.Forward(sample.Points, sample.Labels);
        var (y, first) = chain.Members[0].Forward(sample.Points, sample.Labels);
        var (expected, second) = chain.Members[1].Forward(y, sample.Labels);
        Assert.True(PreconditionerCases.Identical(z, expected));
        Assert.True(logDet.allclose(first + second, rtol: 0, atol: 1e-12));   // one addition: rounding only
        Assert.True(PreconditionerCases.Identical(chain.Inverse(z, sample.Labels),
                chain.Members[0].Inverse(chain.Members[1].Inverse(z, sample.Labels), sample.Labels)),
            "the inverse applies the members' inverses in reverse order");
    }

    [Fact]
    public void AChainIsConditionalWhenAnyMemberIs()
    {
        using var unconditional = new PreconditionerChain(new IdentityPreconditioner(2), new AffineWhitening(2));
        using var conditional = new PreconditionerChain(new AffineWhitening(2), new ClassConditionalWhitening(2, 3));
        Assert.False(unconditional.IsConditional);
        Assert.True(conditional.IsConditional);
        Assert.False(conditional.IsFitted);
    }

    [Fact]
    public void FittingFitsEachMemberOnTheOutputOfThePreviousOne()
    {
        var data = PreconditionerCases.LabelledGaussians(2000, 3, seed: 42);
        using var chain = new PreconditionerChain(new AffineWhitening(3), new AffineWhitening(3));
        var report = chain.Fit(data);
        Assert.Equal(2, report.Members.Count);
        Assert.True(chain.IsFitted);
        // The second whitening saw already-whitened data: it is the identity up to float64 rounding.
        var second = (AffineWhitening)chain.Members[1];
        using var scope = torch.NewDisposeScope();
        Assert.True(second.Mean.abs().max().item<double>() < 1e-10);
        Assert.True((second.Covariance - torch.eye(3, dtype: ScalarType.Float64)).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void TheChainReportCollectsTheMembersReportsAndLoss()
    {
        var data = PreconditionerCases.LabelledGaussians(600, 3, seed: 43);
        using var chain = new PreconditionerChain(new AffineWhitening(3), new RealNvp(3, PreconditionerCases.QuickRealNvp));
        var report = chain.Fit(data, seed: 4);
        Assert.Equal(["whiten", "realnvp"], report.Members.Select(m => m.Name));
        Assert.Equal(report.Members[1].FinalLoss, report.FinalLoss);
        Assert.Equal(5, ((RealNvp)chain.Members[1]).Options.Seed);   // member i is fitted with seed + i
        Assert.True(report.Passed);
    }
}
