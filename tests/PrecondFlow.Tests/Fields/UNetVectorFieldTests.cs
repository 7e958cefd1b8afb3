using PrecondFlow.Fields;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Fields;

/// <summary>The UNet field on tiny images (1×8×8, 16 then 32 channels, one residual block per level, attention at 4×4),
/// so that each test runs in seconds on a CPU.</summary>
public class UNetVectorFieldTests
{
    internal static readonly FieldConfig Tiny = new(Kind: "unet", Dim: 64, NumClasses: 3, ImageShape: new[] { 1, 8, 8 }, BaseChannels: 16,
        ChannelMultipliers: new[] { 1, 2 }, ResBlocks: 1, AttentionResolutions: new[] { 4 }, Heads: 4, Dropout: 0.1, NormGroups: 8);

    private static UNetVectorField Build(FieldConfig config, ulong seed = 1)
    {
        using var generator = new Generator(seed);
        var field = (UNetVectorField)VectorFields.Create(config, generator);
        field.eval();
        return field;
    }

    private static Tensor Labels(params long[] values) => tensor(values, dtype: ScalarType.Int64);

    private static double RelativeDifference(Tensor a, Tensor b) => ((a - b).norm() / b.norm()).item<float>();

    [Fact]
    public void TheOutputHasTheShapeOfTheInputAndTimeBroadcastsOverTheBatch()
    {
        using var field = Build(Tiny);
        using var x = randn(5, 64);
        using var output = field.call(x, full(1, 1, 0.3f), Labels(0, 1, 2, 3, 0));
        Assert.Equal(new long[] { 5, 64 }, output.shape);
        using var perRow = field.call(x, full(5, 1, 0.3f), Labels(0, 1, 2, 3, 0));
        Assert.True(output.equal(perRow).all().item<bool>(), "a (1, 1) time must act as the same time for every row");
        Assert.Equal(new[] { 16, 32 }, field.Geometry.LevelChannels);
        Assert.Equal(new[] { false, true }, field.Geometry.LevelAttention);
    }

    [Fact]
    public void LabelsFollowTheRulesOfEveryField()
    {
        using var conditional = Build(Tiny);
        using var unconditional = Build(Tiny with { NumClasses = 0 });
        using var x = randn(2, 64);
        using var t = full(1, 1, 0.5f);
        Assert.Contains("pass labels", Assert.Throws<ArgumentException>(() => conditional.call(x, t, null)).Message);
        Assert.Contains("unconditional", Assert.Throws<ArgumentException>(() => unconditional.call(x, t, Labels(0, 1))).Message);
        Assert.Contains("3 labels for 2 points", Assert.Throws<ArgumentException>(() => conditional.call(x, t, Labels(0, 1, 2))).Message);
        Assert.Equal(new long[] { 2, 64 }, unconditional.call(x, t, null).shape);
    }

    [Fact]
    public void TheNullLabelIsAClassOfItsOwn()
    {
        using var field = Build(Tiny);
        using var x = randn(1, 64);
        using var t = full(1, 1, 0.5f);
        using var none = field.call(x, t, Labels(field.NullLabel));
        using var classZero = field.call(x, t, Labels(0));
        Assert.True(none.isfinite().all().item<bool>());
        // The label embedding rows are N(0, 1) draws: different rows must give different outputs.
        Assert.True(RelativeDifference(none, classZero) > 1e-3, "the null label gave the output of class 0");
    }

    [Fact]
    public void TimeChangesTheOutput()
    {
        // The output convolution is not zero-initialised, so time acts from the start.
        using var field = Build(Tiny);
        using var x = randn(4, 64);
        using var y = Labels(0, 1, 2, 3);
        using var early = field.call(x, full(1, 1, 0.1f), y);
        using var late = field.call(x, full(1, 1, 0.9f), y);
        Assert.True(RelativeDifference(early, late) > 1e-3, $"relative change {RelativeDifference(early, late)}");
    }

    [Fact]
    public void DropoutActsOnlyInTrainingModeAndDrawsFromTheGivenGenerator()
    {
        using var field = Build(Tiny);
        using var x = randn(3, 64);
        using var t = full(1, 1, 0.4f);
        using var y = Labels(0, 1, 3);
        using var evaluation = field.call(x, t, y);
        field.train();
        using (var first = new Generator(7))
        using (var second = new Generator(7))
        using (var other = new Generator(8))
        {
            field.TrainingGenerator = first;
            using var a = field.call(x, t, y);
            field.TrainingGenerator = second;
            using var b = field.call(x, t, y);
            field.TrainingGenerator = other;
            using var c = field.call(x, t, y);
            Assert.True(a.equal(b).all().item<bool>(), "the same generator state must give the same dropout masks");
            Assert.False(a.equal(c).all().item<bool>(), "another generator state must give other masks");
            Assert.False(a.equal(evaluation).all().item<bool>(), "training mode must drop");
        }
        field.TrainingGenerator = null;
        field.eval();
        Assert.True(field.call(x, t, y).equal(evaluation).all().item<bool>(), "evaluation mode must not drop");
    }

    [Theory]
    [InlineData(new[] { 1, 8, 10 }, new[] { 1, 2, 2 }, "8×10 with 3 levels needs sides divisible by 4", "8 works; 10 does not — use 8 or 12")]
    [InlineData(new[] { 1, 30, 30 }, new[] { 1, 2, 2 }, "30×30 with 3 levels needs sides divisible by 4", "30 does not — use 28 or 32")]
    [InlineData(new[] { 1, 28, 28 }, new[] { 1, 2, 2, 2 }, "28×28 with 4 levels needs sides divisible by 8", "28 does not — use 24 or 32")]
    public void SidesThatTheLevelsDoNotHalveCleanlyAreRejectedWithSizesThatWork(int[] shape, int[] multipliers, string rule, string advice)
    {
        var config = Tiny with { Dim = shape[0] * shape[1] * shape[2], ImageShape = shape, ChannelMultipliers = multipliers, AttentionResolutions = null };
        var error = Assert.Throws<ArgumentException>(() => new UNetVectorField(config));
        Assert.Contains(rule, error.Message);
        Assert.Contains(advice, error.Message);
        Assert.Equal(nameof(FieldConfig.ImageShape), error.ParamName);
    }

    [Fact]
    public void EveryOtherBadSizeIsRejectedWithTheFieldNamed()
    {
        void Rejected(FieldConfig config, string field, string fragment)
        {
            var error = Assert.Throws<ArgumentException>(config.Validate);
            Assert.Equal(field, error.ParamName);
            Assert.Contains(fragment, error.Message);
        }
        Rejected(Tiny with { Dim = 63 }, nameof(FieldConfig.ImageShape), "1×8×8 holds 64 values but Dim is 63");
        Rejected(Tiny with { ImageShape = null }, nameof(FieldConfig.ImageShape), "needs the image shape");
        Rejected(Tiny with { NormGroups = 32 }, nameof(FieldConfig.NormGroups), "levels have 16,32 channels (16 is not): use a group count that divides 16");
        Rejected(Tiny with { AttentionResolutions = new[] { 3 } }, nameof(FieldConfig.AttentionResolutions), "levels of 8×8 are 8,4 pixels high");
        Rejected(Tiny with { Heads = 3 }, nameof(FieldConfig.Heads), "3 attention heads must divide the 32 channels");
        Rejected(Tiny with { Dropout = 1 }, nameof(FieldConfig.Dropout), "[0, 1)");
        Rejected(Tiny with { ResBlocks = 0 }, nameof(FieldConfig.ResBlocks), "at least 1 residual block");
        Rejected(Tiny with { ChannelMultipliers = new[] { 1, 0 } }, nameof(FieldConfig.ChannelMultipliers), "each at least 1");
    }

    [Fact]
    public void TheDefaultUNetFitsTwentyEightPixelImagesWithAttentionAtSeven()
    {
        var config = new FieldConfig(Kind: "unet", Dim: 784, ImageShape: new[] { 1, 28, 28 });
        var geometry = UNetGeometry.Of(config);
        Assert.Equal(new[] { 64, 128, 128 }, geometry.LevelChannels);
        Assert.Equal(new[] { 28, 14, 7 }, geometry.LevelHeights);
        Assert.Equal(new[] { false, false, true }, geometry.LevelAttention);
        Assert.Equal((2, 4, 0.1, 32), (config.ResBlocks, config.Heads, config.Dropout, config.NormGroups));
    }

    [Fact]
    public void NoAttentionAnywhereIsAllowed()
    {
        using var field = Build(Tiny with { AttentionResolutions = Array.Empty<int>() });
        Assert.All(field.Geometry.LevelAttention, Assert.False);
        Assert.DoesNotContain(field.named_modules(), m => m.module is not null && m.module.GetType().Name == "UNetAttentionBlock");
        Assert.Equal(new long[] { 2, 64 }, field.call(randn(2, 64), full(1, 1, 0.5f), Labels(0, 1)).shape);
    }

    [Fact]
    public void TheSameGeneratorGivesTheSameWeights()
    {
        using var a = Build(Tiny, seed: 3);
        using var b = Build(Tiny, seed: 3);
        using var c = Build(Tiny, seed: 4);
        Assert.All(a.parameters().Zip(b.parameters()), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));
        Assert.False(a.parameters().Zip(c.parameters()).All(p => p.First.equal(p.Second).all().item<bool>()));
    }
}
