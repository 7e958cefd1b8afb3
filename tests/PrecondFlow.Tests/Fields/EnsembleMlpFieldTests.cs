using PrecondFlow.Fields;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Fields;

public class EnsembleMlpFieldTests
{
    private static readonly FieldConfig Config = new(Dim: 3, Hidden: new[] { 16, 8 });

    private static MlpVectorField NewMember(ulong seed)
    {
        using var g = new Generator(seed);
        return (MlpVectorField)VectorFields.Create(Config, g);
    }

    [Fact]
    public void EachMemberComputesWhatItsOwnMlpComputes()
    {
        using var scope = NewDisposeScope();
        var members = new[] { NewMember(1), NewMember(2), NewMember(3) };
        using var ensemble = EnsembleMlpField.FromMembers(members);
        using var g = new Generator(9);
        var x = randn(new long[] { 3, 20, 3 }, generator: g);
        var t = rand(new long[] { 3, 20, 1 }, generator: g);
        var together = ensemble.call(x, t);
        for (int k = 0; k < 3; k++)
        {
            var alone = members[k].call(x[k], t[k], null);
            // The batched product sums in another order than Linear's: float32 rounding, far below the outputs' size (~0.1–1).
            Assert.True((together[k] - alone).abs().max().item<float>() < 1e-5f, $"member {k} differs");
        }
    }

    [Fact]
    public void AMemberTakenOutHasExactlyTheWeightsPutIn()
    {
        using var scope = NewDisposeScope();
        var members = new[] { NewMember(4), NewMember(5) };
        using var ensemble = EnsembleMlpField.FromMembers(members);
        for (int k = 0; k < 2; k++)
        {
            using var member = ensemble.Member(k);
            Assert.All(member.parameters().Zip(members[k].parameters()), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));
        }
    }

    [Fact]
    public void MembersOfDifferentArchitecturesOrLabelledMembersAreRefused()
    {
        using var g = new Generator(1);
        using var wider = (MlpVectorField)VectorFields.Create(Config with { Hidden = new[] { 32, 8 } }, g);
        using var member = NewMember(2);
        var mixed = Assert.Throws<ArgumentException>(() => EnsembleMlpField.FromMembers(new[] { member, wider }));
        Assert.Contains("Hidden", mixed.Message);
        var labelled = Assert.Throws<ArgumentException>(() => new EnsembleMlpField(Config with { NumClasses = 3 }, 2));
        Assert.Contains("label-conditional", labelled.Message);
        Assert.Throws<ArgumentException>(() => EnsembleMlpField.FromMembers(Array.Empty<MlpVectorField>()));
    }
}
