using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Sampling;

public class GuidanceTests
{
    private static GenerativeModel Model()
    {
        manual_seed(0);
        var config = new FieldConfig(Dim: 2, NumClasses: 3, Hidden: new[] { 16 });
        return new GenerativeModel(new MlpVectorField(config), new ModelSpec(config));
    }

    [Fact]
    public void GuidanceScaleOneIsPlainConditionalSampling()
    {
        var model = Model();
        var x = randn(4, 2);
        var y = tensor(new long[] { 0, 1, 2, 0 });
        var conditional = model.Field.call(x, full(1, 1, 0.3), y);
        Assert.True(model.GuidedOutput(x, 0.3, y, 1.0).allclose(conditional));
    }

    [Fact]
    public void GuidanceExtrapolatesFromTheUnconditionalOutput()
    {
        var model = Model();
        var x = randn(4, 2);
        var y = tensor(new long[] { 0, 1, 2, 0 });
        var t = full(1, 1, 0.3);
        var conditional = model.Field.call(x, t, y);
        var unconditional = model.Field.call(x, t, full(4, model.Field.NullLabel, dtype: ScalarType.Int64));
        Assert.True(model.GuidedOutput(x, 0.3, y, 3.0).allclose(unconditional + 3 * (conditional - unconditional), rtol: 1e-5, atol: 1e-6));
        Assert.True(model.GuidedOutput(x, 0.3, null, 3.0).allclose(unconditional));
    }
}
