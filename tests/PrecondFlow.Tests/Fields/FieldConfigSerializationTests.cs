using PrecondFlow.Fields;
using PrecondFlow.IO;

namespace PrecondFlow.Tests.Fields;

public class FieldConfigSerializationTests
{
    [Fact]
    public void AnMlpConfigSavedBeforeTheUNetFieldsStillLoadsWithTheirDefaults()
    {
        // The JSON a model folder held before the UNet fields existed.
        const string old = """
            { "kind": "mlp", "dim": 2, "num_classes": 3, "hidden": [32, 32], "activation": "silu", "time": "sinusoidal",
              "time_features": 16, "labels": "embedding", "label_features": 16, "time_knots": 21 }
            """;
        var config = System.Text.Json.JsonSerializer.Deserialize<FieldConfig>(old, Json.Options)!;
        Assert.Equal("mlp", config.Kind);
        Assert.Equal(new[] { 32, 32 }, config.Hidden);
        Assert.Null(config.ImageShape);
        Assert.Equal((64, 2, 4, 0.1, 32), (config.BaseChannels, config.ResBlocks, config.Heads, config.Dropout, config.NormGroups));
        Assert.Empty(config.DifferencesFrom(new FieldConfig(Dim: 2, NumClasses: 3, Hidden: new[] { 32, 32 })));
        config.Validate();
    }

    [Fact]
    public void AUNetConfigSurvivesTheJsonRoundTrip()
    {
        var config = UNetVectorFieldTests.Tiny;
        var back = System.Text.Json.JsonSerializer.Deserialize<FieldConfig>(Json.Serialize(config), Json.Options)!;
        Assert.Empty(back.DifferencesFrom(config));
        Assert.Equal(new[] { 1, 8, 8 }, back.ImageShape);
        Assert.Equal(new[] { 4 }, back.AttentionResolutions);
    }

    [Fact]
    public void DifferencesNameEveryUNetField()
    {
        var config = UNetVectorFieldTests.Tiny;
        var other = config with
        {
            Dim = 192, ImageShape = new[] { 3, 8, 8 }, BaseChannels = 8, ChannelMultipliers = new[] { 1, 1 }, ResBlocks = 2,
            AttentionResolutions = null, Heads = 2, Dropout = 0.0, NormGroups = 4,
        };
        var differences = config.DifferencesFrom(other);
        Assert.Contains("ImageShape: network 1,8,8, spec 3,8,8", differences);
        Assert.Contains("BaseChannels: network 16, spec 8", differences);
        Assert.Contains("ChannelMultipliers: network 1,2, spec 1,1", differences);
        Assert.Contains("ResBlocks: network 1, spec 2", differences);
        Assert.Contains("AttentionResolutions: network 4, spec default", differences);
        Assert.Contains("Heads: network 4, spec 2", differences);
        Assert.Contains("Dropout: network 0.1, spec 0", differences);
        Assert.Contains("NormGroups: network 8, spec 4", differences);
    }
}
