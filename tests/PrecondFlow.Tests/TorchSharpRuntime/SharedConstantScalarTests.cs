using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.TorchSharpRuntime;

/// <summary>
/// The build makes TorchSharp's implicit conversions int, long, float, double and bool → Scalar hand back one Scalar per
/// value and thread (build/ShareConstantScalars.cs), so that repeated constants leave no native block for the finalizer:
/// such blocks, freed late, fragmented the native heap of a training run by gigabytes.
/// </summary>
public sealed class SharedConstantScalarTests
{
    [Fact]
    public void ARepeatedValueOfOneTypeIsOneScalarOnOneThread()
    {
        Scalar first = 0.25, second = 0.25;
        Assert.Same(first, second);
        Scalar asInteger = 3, asLong = 3L, asDouble = 3.0, asFloat = 3.0f;
        Assert.Equal(4, new object[] { asInteger, asLong, asDouble, asFloat }.Distinct(ReferenceEqualityComparer.Instance).Count());
        Scalar positiveZero = 0.0, negativeZero = -0.0;
        Assert.NotSame(positiveZero, negativeZero);
    }

    [Fact]
    public void ASharedScalarKeepsItsTypeAndValue()
    {
        using var integers = arange(4);
        Scalar two = 2, half = 0.5;
        Assert.Equal(ScalarType.Int64, (integers * two).dtype);        // an integer Scalar keeps integer arithmetic
        Assert.Equal(ScalarType.Float32, (integers * half).dtype);     // a double one promotes, as unshared
        Assert.Equal(new long[] { 0, 2, 4, 6 }, (integers * 2).data<long>().ToArray());
        Assert.Equal(-0.0, (zeros(1, dtype: ScalarType.Float64) * -0.0).item<double>());
        Assert.True(double.IsNegative((zeros(1, dtype: ScalarType.Float64) * -0.0).item<double>()));
    }

    [Fact]
    public void DisposingASharedScalarLeavesItUsableForTheNextCaller()
    {
        Scalar shared = 0.125;
        shared.Dispose();                                   // as code that disposes what a conversion handed it does
        using var values = ones(3, dtype: ScalarType.Float64);
        Assert.Equal(0.125, values.mul(0.125)[0].item<double>());
        Assert.Equal(0.125, shared.ToDouble());
    }

    [Fact]
    public void EachThreadHasItsOwnSharedScalars()
    {
        Scalar here = 0.375;
        Scalar? there = null;
        var thread = new Thread(() => there = 0.375);
        thread.Start();
        thread.Join();
        Assert.NotSame(here, there);
        Assert.Equal(0.375, there!.ToDouble());
    }

    [Fact]
    public void AValueUsedOftenKeepsItsSharedScalarAgainstAStreamOfOneOffValues()
    {
        Scalar constant = 0.0625;
        for (int i = 0; i < 20; i++)
            Assert.Same(constant, (Scalar)0.0625);          // 20 hits
        for (int i = 0; i < 20_000; i++)
            _ = (Scalar)(1.0 + i * 1e-7);                   // one-off values: about 5 land in each of the 4 096 slots
        Assert.Same(constant, (Scalar)0.0625);
    }
}

/// <summary>Training steps leave no Scalar for the finalizer once their constants are shared (run alone: it counts).</summary>
[Collection(ScalarCensusCollection.Name)]
public sealed class FinalizedScalarCensusTests
{
    [Fact]
    public void AdamWStepsWithANewRateEveryStepLeaveNoScalarForTheFinalizer()
    {
        var parameter = new TorchSharp.Modules.Parameter(randn(8, 4), requires_grad: true);
        using var optimizer = optim.AdamW(new[] { parameter }, lr: 1e-2, weight_decay: 0.05);
        void Steps(int from, int count)
        {
            for (int step = from; step < from + count; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.ParamGroups.First().LearningRate = 1e-2 / (step + 1);
                optimizer.zero_grad();
                parameter.square().sum().backward();
                AdamWUpdate.Step(optimizer);
            }
        }
        Assert.Equal(0, ScalarCensus.FinalizedBy(warmUp: () => Steps(0, 3), counted: () => Steps(3, 20)));
    }

    [Fact]
    public void FlowMatchingStepsOfAConditionalMlpLeaveNoScalarForTheFinalizer()
    {
        // Label dropout, gradient clipping, cosine decay, EMA: the Table-4 recipe on a small MLP.
        var config = new FieldConfig(Kind: "mlp", Dim: 4, NumClasses: 3, Hidden: new[] { 16, 16 }, Activation: "silu",
            Time: TimeEncoding.Sinusoidal, TimeFeatures: 8, Labels: LabelEncoding.Embedding, LabelFeatures: 4);
        var options = new TrainingOptions(Steps: 60, BatchSize: 64, LearningRate: 1e-3, WeightDecay: 0.01, WarmupSteps: 5,
            CosineDecay: true, GradientClip: 1.0, EmaDecay: 0.99, LabelDropout: 0.1, LogEvery: 10, Seed: 1);
        using var points = randn(256, 4, generator: new Generator(2));
        using var labels = randint(3, new long[] { 256 }, generator: new Generator(3));
        var data = new PointCloud(points, labels, 3);
        FlowTrainer? trainer = null;
        try
        {
            int finalized = ScalarCensus.FinalizedBy(
                warmUp: () =>
                {
                    trainer = new FlowTrainer(new MlpVectorField(config), new ModelSpec(config, Path: "sine-cosine"), options);
                    trainer.Train(data, untilStep: 10);
                },
                counted: () => trainer!.Train(data, untilStep: 60));
            Assert.Equal(0, finalized);
        }
        finally
        {
            trainer?.Field.Dispose();
            trainer?.Dispose();
        }
    }
}
