using PrecondFlow.Fields;
using PrecondFlow.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Fields;

/// <summary>
/// Initial weights come from the caller's generator, and from nothing else. These tests reseed libtorch's global
/// generator on purpose (to compare with it); the suite runs its tests one at a time.
/// </summary>
public class ParameterInitializationTests
{
    private static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    public static TheoryData<string> Networks => new() { "mlp-embedding", "mlp-one-hot", "linear", "classifier", "vae", "spatial-vae" };

    private static nn.Module Build(string name) => name switch
    {
        "mlp-embedding" => new MlpVectorField(new FieldConfig(Dim: 3, NumClasses: 4, Hidden: new[] { 16, 8 })),
        "mlp-one-hot" => new MlpVectorField(new FieldConfig(Dim: 2, NumClasses: 2, Hidden: new[] { 10, 10 }, Time: TimeEncoding.Raw,
            Labels: LabelEncoding.OneHot)),
        "linear" => new LinearVectorField(new FieldConfig(Kind: "linear", Dim: 2)),
        "classifier" => new DigitClassifier(new ClassifierOptions { Channels = 4, Features = 16 }),
        "vae" => new ConvVae(new VaeOptions { Channels = 8, LatentDim = 4, BlocksPerResolution = 1 }),
        "spatial-vae" => new ConvVae(new VaeOptions { Channels = 8, LatentChannels = 2, BlocksPerResolution = 1 }),
        _ => throw new ArgumentException(name),
    };

    private static Tensor[] Weights(nn.Module module) => module.parameters().Select(p => p.detach().clone()).ToArray();

    [Theory, MemberData(nameof(Networks))]
    public void AGeneratorSeededWithSGivesTheWeightsOfTheGlobalGeneratorSeededWithS(string network)
    {
        // Bit for bit: the same draws in the same order with the same bounds keep every earlier result reproducible.
        manual_seed(1234);
        using var constructed = Build(network);
        var expected = Weights(constructed);
        manual_seed(99);
        using var reset = Build(network);
        using (var generator = new Generator(1234))
            ParameterInitialization.Reset(reset, generator);
        var actual = Weights(reset);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Identical(expected[i], actual[i]), $"{network}: parameter {i} differs");
    }

    [Fact]
    public void TheGlobalGeneratorDoesNotAffectAFieldCreatedWithAGenerator()
    {
        var config = new FieldConfig(Dim: 2, NumClasses: 3, Hidden: new[] { 16 });
        manual_seed(1);
        using var g1 = new Generator(5);
        using var a = VectorFields.Create(config, g1);
        manual_seed(2);
        using var g2 = new Generator(5);
        using var b = VectorFields.Create(config, g2);
        using var g3 = new Generator(6);
        using var c = VectorFields.Create(config, g3);
        var (wa, wb, wc) = (Weights(a), Weights(b), Weights(c));
        Assert.All(wa.Zip(wb), p => Assert.True(Identical(p.First, p.Second)));
        Assert.All(wa.Zip(wc), p => Assert.False(Identical(p.First, p.Second), "another seed must give other weights"));
    }

    [Fact]
    public void ABuiltInLayerWithoutARuleIsRefused()
    {
        using var norm = nn.BatchNorm1d(4);
        using var generator = new Generator(0);
        var error = Assert.Throws<NotSupportedException>(() => ParameterInitialization.Reset(norm, generator));
        Assert.Contains("BatchNorm1d", error.Message);
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void SeededDropoutDrawsTheMaskOfLibtorchsDropout(double p)
    {
        using var x = rand(64, 32, generator: new Generator(3)) + 0.5;
        manual_seed(77);
        using var expected = nn.functional.dropout(x, p, training: true);
        using var generator = new Generator(77);
        using var actual = SeededDropout.Apply(x, p, generator);
        Assert.True(Identical(expected, actual), "same seed, same mask and scale 1/(1 − p)");
        Assert.InRange(actual.eq(0).to(float32).mean().item<float>(), p - 0.05, p + 0.05); // 2048 entries: ±0.05 is > 4σ
    }

    [Fact]
    public void SeededDropoutOfARowSliceDropsWhatItDropsInTheWholeBatch()
    {
        using var x = rand(10, 6, generator: new Generator(4)) + 0.5;
        using var whole = SeededDropout.Apply(x, 0.5, new Generator(78));
        foreach (var rank in new[] { 0, 1, 2 })
        {
            var rows = PrecondFlow.Distributed.RowSlice.Of(10, rank, 3);
            using var generator = new Generator(78);
            using var slice = SeededDropout.Apply(x.narrow(0, rows.Start, rows.Length), 0.5, generator, rows);
            using var expected = whole.narrow(0, rows.Start, rows.Length);
            // Bit for bit: the mask is drawn for all 10 rows from the same generator state, then sliced.
            Assert.True(Identical(expected, slice), $"rank {rank}");
        }
    }
}
