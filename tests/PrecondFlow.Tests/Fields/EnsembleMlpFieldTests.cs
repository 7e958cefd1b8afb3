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
        var together = ensemble.call(x, t, null);
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

    public static TheoryData<LabelEncoding> Encodings => new() { LabelEncoding.Embedding, LabelEncoding.OneHot };

    [Theory, MemberData(nameof(Encodings))]
    public void EachLabelConditionalMemberComputesWhatItsOwnMlpComputes(LabelEncoding encoding)
    {
        using var scope = NewDisposeScope();
        var config = Config with { NumClasses = 4, Labels = encoding, LabelFeatures = 5 };
        var members = new[] { 1UL, 2UL, 3UL }.Select(seed =>
        {
            using var g = new Generator(seed);
            return (MlpVectorField)VectorFields.Create(config, g);
        }).ToArray();
        using var ensemble = EnsembleMlpField.FromMembers(members);
        using var g = new Generator(9);
        var x = randn(new long[] { 3, 20, 3 }, generator: g);
        var t = rand(new long[] { 3, 20, 1 }, generator: g);
        var labels = randint(5, new long[] { 3, 20 }, generator: g);   // 4 is the null class
        var together = ensemble.call(x, t, labels);
        for (int k = 0; k < 3; k++)
        {
            // Members differ in their embeddings too: one reading another's table would differ by far more than rounding.
            var alone = members[k].call(x[k], t[k], labels[k]);
            Assert.True((together[k] - alone).abs().max().item<float>() < 1e-5f, $"member {k} differs");
            using var member = ensemble.Member(k);
            Assert.All(member.parameters().Zip(members[k].parameters()), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));
        }
    }

    [Fact]
    public void MembersOfDifferentArchitecturesOrMissingLabelsAreRefused()
    {
        using var g = new Generator(1);
        using var wider = (MlpVectorField)VectorFields.Create(Config with { Hidden = new[] { 32, 8 } }, g);
        using var member = NewMember(2);
        var mixed = Assert.Throws<ArgumentException>(() => EnsembleMlpField.FromMembers(new[] { member, wider }));
        Assert.Contains("Hidden", mixed.Message);
        Assert.Throws<ArgumentException>(() => EnsembleMlpField.FromMembers(Array.Empty<MlpVectorField>()));
        using var labelled = new EnsembleMlpField(Config with { NumClasses = 3 }, 2);
        var missing = Assert.Throws<ArgumentException>(() => labelled.call(zeros(2, 5, 3), zeros(2, 5, 1), null));
        Assert.Contains("conditioned on 3 classes", missing.Message);
        var shape = Assert.Throws<ArgumentException>(() => labelled.call(zeros(2, 5, 3), zeros(2, 5, 1), zeros(new long[] { 5 }, dtype: ScalarType.Int64)));
        Assert.Contains("labels of shape (2, 5)", shape.Message);
    }
}
