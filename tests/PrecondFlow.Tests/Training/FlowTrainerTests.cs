using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

public class FlowTrainerTests : IDisposable
{
    private static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    private readonly string folder = Path.Combine(Path.GetTempPath(), "precondflow-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    private static readonly FieldConfig SmallMlp = new(Dim: 2, NumClasses: 3, Hidden: new[] { 32, 32 });

    private static readonly TrainingOptions Options = new(Steps: 120, BatchSize: 64, LearningRate: 3e-3, WarmupSteps: 10,
        EmaDecay: 0.99, LabelDropout: 0.2, LogEvery: 10, Seed: 5,
        Time: new TimeSampling(TimeDistribution.LogitNormal, ImportanceWeighted: true));

    private static PointCloud LabelledData()
    {
        using var g = new Generator(11);
        var labels = randint(3, new long[] { 500 }, dtype: ScalarType.Int64, generator: g);
        var points = randn(new long[] { 500, 2 }, generator: g) * 0.3 + labels.unsqueeze(1).to(float32);
        return new PointCloud(points, labels, 3);
    }

    private static FlowTrainer NewTrainer()
    {
        manual_seed(42);
        return new FlowTrainer(new MlpVectorField(SmallMlp), new ModelSpec(SmallMlp), Options);
    }

    private static Tensor Flatten(FlowTrainer trainer) =>
        cat(trainer.Field.parameters().Select(p => p.detach().flatten()).ToArray());

    [Fact]
    public void TheSameSeedGivesTheIdenticalLossTrace()
    {
        var data = LabelledData();
        using var first = NewTrainer();
        using var second = NewTrainer();
        var a = first.Train(data).LossTrace;
        var b = second.Train(data).LossTrace;
        Assert.Equal(12, a.Count);
        Assert.Equal(a, b); // bit for bit: same seeds, same kernels, CPU
        Assert.True(a[^1].Loss < a[0].Loss, "the loss should fall over training");
    }

    [Fact]
    public void AResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne()
    {
        var data = LabelledData();
        using var uninterrupted = NewTrainer();
        uninterrupted.Train(data);

        using (var firstHalf = NewTrainer())
        {
            firstHalf.Train(data, untilStep: 50);
            firstHalf.SaveCheckpoint(folder);
        }
        using var resumed = FlowTrainer.LoadCheckpoint(folder, CPU);
        Assert.Equal(50, resumed.Step);
        resumed.Train(data);

        Assert.Equal(120, resumed.Step);
        Assert.True(Flatten(uninterrupted).equal(Flatten(resumed)).all().item<bool>(), "weights differ after resuming");
        Assert.Equal(uninterrupted.LossTrace, resumed.LossTrace);
        // The EMA's warm-up continues where it stopped: every averaged weight is the same.
        Assert.All(uninterrupted.Ema!.Average.parameters().Zip(resumed.Ema!.Average.parameters()), p => Assert.True(Identical(p.First, p.Second)));
    }

    [Fact]
    public void ACheckpointWithAnotherFormatVersionIsRejectedWithItsFileNamed()
    {
        using (var trainer = NewTrainer())
        {
            trainer.Train(LabelledData(), untilStep: 10);
            trainer.SaveCheckpoint(folder);
        }
        var manifest = Path.Combine(folder, Checkpoint.ManifestFile);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace($"\"format_version\": {Checkpoint.FormatVersion}", "\"format_version\": 99"));
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadManifest(folder));
        Assert.Contains("model.json", error.Message);
        Assert.Contains("99", error.Message);
    }

    [Fact]
    public void ACorruptedWeightFileGivesAClearError()
    {
        using (var trainer = NewTrainer())
        {
            trainer.Train(LabelledData(), untilStep: 10);
            trainer.SaveCheckpoint(folder);
        }
        File.WriteAllBytes(Path.Combine(folder, Checkpoint.FieldFile), new byte[] { 1, 2, 3 });
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadField(folder, CPU, preferEma: false));
        Assert.Contains("field.bin", error.Message);
    }

    [Fact]
    public void AConditionalFieldRefusesUnlabelledData()
    {
        using var trainer = NewTrainer();
        var data = new PointCloud(randn(10, 2));
        var error = Assert.Throws<ArgumentException>(() => trainer.Train(data));
        Assert.Contains("no labels", error.Message);
    }

    [Fact]
    public void WarmUpRisesLinearlyAndCosineDecayEndsAtTheFloor()
    {
        var o = new TrainingOptions(Steps: 100, LearningRate: 1.0, WarmupSteps: 10, MinLearningRateFraction: 0.1);
        Assert.Equal(0.1, LearningRateSchedule.For(o).At(0), 12);
        Assert.Equal(1.0, LearningRateSchedule.For(o).At(9), 12);
        Assert.Equal(1.0, LearningRateSchedule.For(o).At(10), 12);
        Assert.Equal(0.55, LearningRateSchedule.For(o).At(55), 12); // halfway through the decay: midpoint of [0.1, 1]
        Assert.Equal(0.1, LearningRateSchedule.For(o).At(100), 12);
    }

    [Fact]
    public void ANetworkThatDoesNotMatchTheSpecIsRefusedWithTheDifferenceNamed()
    {
        // The spec is what the saved model is rebuilt from: a mismatch would surface only when loading.
        using var narrower = new MlpVectorField(SmallMlp with { Hidden = new[] { 16 } });
        var error = Assert.Throws<ArgumentException>(() => new FlowTrainer(narrower, new ModelSpec(SmallMlp), Options));
        Assert.Contains("Hidden: network 16, spec 32,32", error.Message);

        using var unconditional = new MlpVectorField(SmallMlp with { NumClasses = 0 });
        error = Assert.Throws<ArgumentException>(() => new FlowTrainer(unconditional, new ModelSpec(SmallMlp), Options));
        Assert.Contains("NumClasses: network 0, spec 3", error.Message);
    }
}
