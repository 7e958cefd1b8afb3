using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Pipeline;

/// <summary>A composed model is label-conditional when its main flow or its preconditioner is, whatever kind P is.</summary>
public class PreconditionedModelNumClassesTests
{
    private static PointCloud Labelled()
    {
        using var g = new Generator(2);
        var labels = arange(600, dtype: ScalarType.Int64) % 3;
        return new PointCloud(randn(new long[] { 600, 2 }, dtype: float64, generator: g) + labels.unsqueeze(1).to(float64), labels, 3);
    }

    public static TheoryData<string> Kinds => new() { "class-whiten", "chain" };

    [Theory, MemberData(nameof(Kinds))]
    public void AnUnconditionalMainFlowOnAConditionalPreconditionerMakesAConditionalModel(string kind)
    {
        IFittablePreconditioner p = kind == "chain"
            ? new PreconditionerChain(new ClassConditionalWhitening(2, 3), new AffineWhitening(2))
            : new ClassConditionalWhitening(2, 3);
        p.Fit(Labelled());
        var config = new FieldConfig(Dim: 2, Hidden: new[] { 8 });
        using var model = PreconditionedModel.Compose(p, new MlpVectorField(config), new ModelSpec(config));
        Assert.Equal(3, model.NumClasses);
    }

    [Fact]
    public void AnUnconditionalModelHasNoClasses()
    {
        var whitening = new AffineWhitening(2);
        whitening.Fit(Labelled());
        var config = new FieldConfig(Dim: 2, Hidden: new[] { 8 });
        using var model = PreconditionedModel.Compose(whitening, new MlpVectorField(config), new ModelSpec(config));
        Assert.Equal(0, model.NumClasses);
    }
}
