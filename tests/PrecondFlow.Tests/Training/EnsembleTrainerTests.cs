using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Pipeline;
using PrecondFlow.Sampling;
using PrecondFlow.Tests.Cli;
using PrecondFlow.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

/// <summary>
/// An ensemble trains each member exactly as a <see cref="FlowTrainer"/> would train it alone: same initial weights, same
/// seed, same minibatches, same AdamW. Weights are compared within <see cref="Tolerance"/>.
/// </summary>
public class EnsembleTrainerTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// The batched product (baddbmm) and the per-member norms sum in another order than Linear's addmm and the single
    /// model's norm, so the two runs differ by float32 rounding (~1e-8 on weights of size 0.1–1) from the first step on.
    /// Measured after 200 steps: below 2e-7. 1e-5 leaves room for other BLAS kernels, while a wrong minibatch, rate, β₂,
    /// bias correction or clip moves the weights by 1e-6 within two steps and by 1e-2 within 200.
    /// </summary>
    private const float Tolerance = 1e-5f;

    private static readonly FieldConfig Config = new(Dim: 2, Hidden: new[] { 32, 32 });
    private static readonly ModelSpec Spec = new(Config);
    private static readonly FieldConfig Conditional = Config with { NumClasses = 3, LabelFeatures = 8 };
    private static readonly ModelSpec ConditionalSpec = new(Conditional);

    private readonly string folder = Path.Combine(Path.GetTempPath(), "precondflow-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    private static TrainingOptions Options(long seed, double rate, int steps = 200) =>
        new(Steps: steps, BatchSize: 64, LearningRate: rate, WarmupSteps: 10, LogEvery: 50, Seed: seed);

    /// <summary>Three members that differ in seed, rate, schedule, weight decay, clipping and time sampling.</summary>
    private static TrainingOptions[] ThreeMembers(int steps = 200) => new[]
    {
        Options(1, 1e-3, steps),
        Options(2, 3e-3, steps) with { CosineDecay = false, WeightDecay = 1e-2 },
        Options(3, 2e-3, steps) with { GradientClip = null, Time = new TimeSampling(TimeDistribution.LogitNormal) },
    };

    private static PointCloud Data(ulong seed = 11)
    {
        using var g = new Generator(seed);
        return new PointCloud((randn(new long[] { 500, 2 }, generator: g) * tensor(new[] { 2.0f, 0.3f }) + 1).DetachFromDisposeScope());
    }

    /// <summary>The points of <see cref="Data"/> in three classes (by the sign pattern of a second draw), for conditional members.</summary>
    private static PointCloud LabelledData(ulong seed = 11)
    {
        using var g = new Generator(seed + 1);
        return new PointCloud(Data(seed).Points, randint(3, new long[] { 500 }, generator: g).DetachFromDisposeScope(), 3);
    }

    /// <summary>Member k's initial weights, the same every time they are asked for.</summary>
    private static MlpVectorField Initial(int k) => Initial(k, Config);

    private static MlpVectorField Initial(int k, FieldConfig config)
    {
        using var g = new Generator(100 + (ulong)k);
        return (MlpVectorField)VectorFields.Create(config, g);
    }

    private static EnsembleMlpField InitialEnsemble(int members, FieldConfig? config = null)
    {
        var fields = Enumerable.Range(0, members).Select(k => Initial(k, config ?? Config)).ToArray();
        var ensemble = EnsembleMlpField.FromMembers(fields);
        foreach (var f in fields)
            f.Dispose();
        return ensemble;
    }

    private static float MaxDifference(nn.Module a, nn.Module b) =>
        a.parameters().Zip(b.parameters()).Max(p => (p.First - p.Second).abs().max().item<float>());

    private static MlpVectorField TrainedAlone(int k, TrainingOptions options, PointCloud data, int? untilStep = null)
    {
        using var run = RunAlone(k, options, data, Spec, untilStep);
        return run.TakeField();
    }

    /// <summary>Member k trained alone by a FlowTrainer: its weights and, when it keeps one, a copy of its EMA.</summary>
    private sealed class AloneRun(MlpVectorField trained, MlpVectorField? ema) : IDisposable
    {
        private MlpVectorField? owned = trained;
        public MlpVectorField Field => owned!;
        public MlpVectorField? Ema { get; } = ema;
        public MlpVectorField TakeField()
        {
            var taken = owned!;
            owned = null;
            return taken;
        }
        public void Dispose()
        {
            owned?.Dispose();
            Ema?.Dispose();
        }
    }

    private static AloneRun RunAlone(int k, TrainingOptions options, PointCloud data, ModelSpec spec, int? untilStep = null)
    {
        var field = Initial(k, spec.Field);
        using var trainer = new FlowTrainer(field, spec, options);
        trainer.Train(data, untilStep);
        MlpVectorField? ema = null;
        if (trainer.Ema is not null)
        {
            ema = (MlpVectorField)VectorFields.Create(spec.Field);
            using var _ = no_grad();
            foreach (var (to, from) in ema.parameters().Zip(trainer.Ema.Average.parameters()))
                to.copy_(from);
        }
        return new AloneRun(field, ema);
    }

    [Fact]
    public void EachMemberEndsWithTheWeightsOfItsOwnSeparateRun()
    {
        var data = Data();
        var options = ThreeMembers();
        using var ensemble = InitialEnsemble(3);
        using var trainer = new EnsembleTrainer(ensemble, Spec, options);
        var result = trainer.Train(new[] { data });

        Assert.Equal(200, result.Steps);
        Assert.All(result.DivergedAtStep, s => Assert.Null(s));
        for (int k = 0; k < 3; k++)
        {
            using var alone = TrainedAlone(k, options[k], data);
            using var member = ensemble.Member(k);
            float difference = MaxDifference(member, alone);
            Assert.True(difference < Tolerance, $"member {k} differs from its separate run by {difference}");
            Assert.Equal(4, result.LossTraces[k].Count);
            Assert.True(result.LossTraces[k][^1].Loss < result.LossTraces[k][0].Loss, $"member {k}'s loss should fall");
        }
        // The members really differ: distinct seeds and rates give distinct weights.
        using var first = ensemble.Member(0);
        using var second = ensemble.Member(1);
        Assert.True(MaxDifference(first, second) > 1e-2f);
    }

    [Fact]
    public void EachConditionalMemberWithLabelDropoutEndsWithTheWeightsOfItsOwnSeparateRun()
    {
        var data = LabelledData();
        var options = ThreeMembers().Select((o, k) => o with { LabelDropout = 0.1 * (k + 1) }).ToArray();
        using var ensemble = InitialEnsemble(3, Conditional);
        using var trainer = new EnsembleTrainer(ensemble, ConditionalSpec, options);
        var result = trainer.Train(new[] { data });

        Assert.All(result.DivergedAtStep, s => Assert.Null(s));
        for (int k = 0; k < 3; k++)
        {
            using var alone = RunAlone(k, options[k], data, ConditionalSpec);
            using var member = ensemble.Member(k);
            float difference = MaxDifference(member, alone.Field);
            output.WriteLine($"conditional member {k} (label dropout {options[k].LabelDropout:G2}): max |Δθ| = {difference:G3}");
            Assert.True(difference < Tolerance, $"member {k} differs from its separate run by {difference}");
            // Without the dropout draws the minibatches shift from the first step on: far outside the tolerance.
            using var withoutDropout = RunAlone(k, options[k] with { LabelDropout = 0 }, data, ConditionalSpec);
            Assert.True(MaxDifference(member, withoutDropout.Field) > 100 * Tolerance);
        }
    }

    [Fact]
    public void EachMemberKeepsTheEmaOfItsOwnSeparateRun()
    {
        var data = Data();
        // 0.9 and 0.95 end their warm-up (d = (1 + n)/(10 + n)) within the 200 steps, 0.99 does not.
        var decays = new[] { 0.9, 0.95, 0.99 };
        var options = ThreeMembers().Select((o, k) => o with { EmaDecay = decays[k] }).ToArray();
        using var ensemble = InitialEnsemble(3);
        using var trainer = new EnsembleTrainer(ensemble, Spec, options);
        trainer.Train(new[] { data });

        Assert.Equal(200, trainer.Ema!.Updates);
        for (int k = 0; k < 3; k++)
        {
            using var alone = RunAlone(k, options[k], data, Spec);
            using var member = ensemble.Member(k);
            using var average = trainer.Ema.Average.Member(k);
            float weights = MaxDifference(member, alone.Field);
            float ema = MaxDifference(average, alone.Ema!);
            float lag = MaxDifference(average, member);
            output.WriteLine($"member {k} (EMA decay {decays[k]}): max |Δθ| = {weights:G3}, max |Δθ_ema| = {ema:G3}, max |θ_ema − θ| = {lag:G3}");
            Assert.True(weights < Tolerance, $"member {k}'s weights differ from its separate run by {weights}");
            Assert.True(ema < Tolerance, $"member {k}'s EMA differs from its separate run's by {ema}");
            // The average lags the weights by far more than the tolerance (measured 1.7e-4 to 3.4e-2), or the check of the
            // EMA would only repeat the check of the weights.
            Assert.True(lag > 10 * Tolerance, $"member {k}'s average lags its weights by only {lag}");
        }
        using var samplingMember = trainer.SamplingField.Member(0);
        using var averageMember = trainer.Ema.Average.Member(0);
        Assert.Equal(0f, MaxDifference(samplingMember, averageMember));
    }

    [Fact]
    public void AConditionalMemberFolderWithAnEmaLoadsAndSamplesWithLabelsAsItsOwnRunWould()
    {
        var data = LabelledData();
        var options = ThreeMembers(steps: 120).Take(2).Select(o => o with { LabelDropout = 0.2, EmaDecay = 0.95 }).ToArray();
        using var ensemble = InitialEnsemble(2, Conditional);
        using var trainer = new EnsembleTrainer(ensemble, ConditionalSpec, options);
        trainer.Train(new[] { data }, untilStep: 60);
        trainer.SaveMember(1, folder);
        var ownRun = folder + "-alone";
        var samples = folder + "-samples.csv";
        try
        {
            using (var alone = new FlowTrainer(Initial(1, Conditional), ConditionalSpec, options[1]))
            {
                alone.Train(data, untilStep: 60);
                alone.SaveCheckpoint(ownRun);
                alone.Field.Dispose();
            }
            var labels = tensor(Enumerable.Range(0, 60).Select(i => (long)(i % 3)).ToArray());
            var sampling = new SamplingOptions(Solver: "euler", Steps: 8, Guidance: 2.0);
            using var model = PreconditionedModel.Load(folder, CPU);
            using var reference = PreconditionedModel.Load(ownRun, CPU);
            using (var average = trainer.Ema!.Average.Member(1))
                Assert.Equal(0f, MaxDifference(model.Field, average));   // the folder samples with the member's EMA
            var (raw, _) = Checkpoint.LoadField(folder, CPU, preferEma: false);
            using (raw)
            using (var member = ensemble.Member(1))
                Assert.Equal(0f, MaxDifference(raw, member));
            var sample = model.Sample(60, sampling, seed: 3, CPU, labels);
            var expected = reference.Sample(60, sampling, seed: 3, CPU, labels);
            float gap = (sample.Points - expected.Points).abs().max().item<float>();
            output.WriteLine($"guided samples of the member folder vs its own run's folder: max |Δx| = {gap:G3}");
            // Weights within 1e-5 of each other move 8 Euler steps of a guided field by about as much.
            Assert.True(gap < 1e-4f, $"samples differ by {gap}");
            Assert.True(sample.Points.isfinite().all().item<bool>());

            var command = CliRunner.Run("sample", "--model", folder, "--count", "30", "--class", "2", "--guidance", "2",
                "--solver", "euler", "--ode-steps", "8", "--out", samples);
            Assert.True(command.ExitCode == 0, command.Error);
            var written = PointCloudFiles.Read(samples);
            Assert.Equal(30, written.Count);
            Assert.True(written.Labels!.eq(2).all().item<bool>());
        }
        finally
        {
            File.Delete(samples);
            if (Directory.Exists(ownRun))
                Directory.Delete(ownRun, recursive: true);
        }

        // Resumed alone (EMA and its update count restored with the rest), it ends where the ensemble takes it.
        using var resumed = FlowTrainer.LoadCheckpoint(folder, CPU);
        Assert.Equal(60, resumed.Ema!.Updates);
        resumed.Train(data);
        trainer.Train(new[] { data });
        using var continued = ensemble.Member(1);
        using var continuedAverage = trainer.Ema!.Average.Member(1);
        Assert.True(MaxDifference(resumed.Field, continued) < Tolerance);
        Assert.True(MaxDifference(resumed.Ema.Average, continuedAverage) < Tolerance);
        resumed.Field.Dispose();
    }

    [Fact]
    public void ADivergedMembersEmaStopsWithItsWeightsAndTheOthersKeepTheirSeparateRunsEmas()
    {
        var clean = Data();
        var poisoned = new PointCloud(clean.Points.clone().index_put_(float.NaN, tensor(new long[] { 123 })).DetachFromDisposeScope());
        var options = ThreeMembers().Select(o => o with { EmaDecay = 0.95 }).ToArray();
        using var ensemble = InitialEnsemble(3);
        using var trainer = new EnsembleTrainer(ensemble, Spec, options);
        var result = trainer.Train(new[] { clean, poisoned, clean });

        int diverged = Assert.IsType<int>(result.DivergedAtStep[1]);
        foreach (int k in new[] { 0, 2 })
        {
            using var alone = RunAlone(k, options[k], clean, Spec);
            using var average = trainer.Ema!.Average.Member(k);
            Assert.True(MaxDifference(average, alone.Ema!) < Tolerance, $"member {k}'s EMA was disturbed by member 1's divergence");
        }
        // Member 1's average holds what its run alone had averaged before the step that diverged (a run alone fails at the
        // end of the logging window instead, its weights and average already NaN).
        using var frozen = trainer.Ema!.Average.Member(1);
        Assert.All(frozen.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        if (diverged > 1)
        {
            using var beforeDivergence = RunAlone(1, options[1], poisoned, Spec, untilStep: diverged - 1);
            Assert.True(MaxDifference(frozen, beforeDivergence.Ema!) < Tolerance);
        }
        else
        {
            using var initial = Initial(1);
            Assert.Equal(0f, MaxDifference(frozen, initial));
        }
    }

    [Fact]
    public void AMemberThatDivergesStopsAloneAndTheOthersStillMatchTheirSeparateRuns()
    {
        var clean = Data();
        // One NaN point among 500 in member 1's data: its loss becomes NaN at the first minibatch that draws it.
        var poisoned = new PointCloud(clean.Points.clone().index_put_(float.NaN, tensor(new long[] { 123 })).DetachFromDisposeScope());
        var options = ThreeMembers();
        using var ensemble = InitialEnsemble(3);
        using var trainer = new EnsembleTrainer(ensemble, Spec, options);
        var result = trainer.Train(new[] { clean, poisoned, clean });

        Assert.Null(result.DivergedAtStep[0]);
        Assert.Null(result.DivergedAtStep[2]);
        int diverged = Assert.IsType<int>(result.DivergedAtStep[1]);
        Assert.InRange(diverged, 1, 200);
        Assert.Throws<InvalidOperationException>(() => TrainedAlone(1, options[1], poisoned).Dispose());   // alone, the run fails
        foreach (int k in new[] { 0, 2 })
        {
            using var alone = TrainedAlone(k, options[k], clean);
            using var member = ensemble.Member(k);
            Assert.True(MaxDifference(member, alone) < Tolerance, $"member {k} was disturbed by member 1's divergence");
        }
        // The diverged member keeps the weights it had before the step that diverged: finite, and those of its run alone.
        using var frozen = ensemble.Member(1);
        Assert.All(frozen.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        if (diverged > 1)
        {
            using var beforeDivergence = TrainedAlone(1, options[1], poisoned, untilStep: diverged - 1);
            Assert.True(MaxDifference(frozen, beforeDivergence) < Tolerance);
        }
        Assert.Throws<InvalidOperationException>(() => trainer.SaveMember(1, folder));
    }

    [Fact]
    public void TrainingFailsWhenEveryMemberDiverges()
    {
        var nan = new PointCloud(full(new long[] { 10, 2 }, float.NaN).DetachFromDisposeScope());
        using var ensemble = InitialEnsemble(2);
        using var trainer = new EnsembleTrainer(ensemble, Spec, new[] { Options(1, 1e-3, 20), Options(2, 1e-3, 20) });
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Train(new[] { nan }));
        Assert.Contains("Every member", error.Message);
    }

    [Fact]
    public void AMemberFolderLoadsAsAnOrdinaryModelSamplesAndResumesAsItsOwnRun()
    {
        var data = Data();
        var options = ThreeMembers(steps: 120).Take(2).ToArray();
        using var ensemble = InitialEnsemble(2);
        using var trainer = new EnsembleTrainer(ensemble, Spec, options);
        trainer.Train(new[] { data }, untilStep: 60);
        trainer.SaveMember(1, folder);

        using (var model = PreconditionedModel.Load(folder, CPU))
        using (var member = ensemble.Member(1))
        {
            Assert.Equal(0f, MaxDifference(model.Field, member));
            var sample = model.Sample(50, new SamplingOptions(Solver: "euler", Steps: 8), seed: 3, CPU);
            Assert.Equal(new long[] { 50, 2 }, sample.Points.shape);
            Assert.True(sample.Points.isfinite().all().item<bool>());
        }
        var samples = Path.Combine(folder + "-samples.csv");
        try
        {
            var command = CliRunner.Run("sample", "--model", folder, "--count", "50", "--solver", "euler", "--ode-steps", "8", "--out", samples);
            Assert.True(command.ExitCode == 0, command.Error);
            Assert.Equal(50, PointCloudFiles.Read(samples).Count);
        }
        finally
        {
            File.Delete(samples);
        }

        // Resumed alone (moments, step and generator restored), it ends where the ensemble takes it.
        using var resumed = FlowTrainer.LoadCheckpoint(folder, CPU);
        Assert.Equal(60, resumed.Step);
        resumed.Train(data);
        trainer.Train(new[] { data });
        using var continued = ensemble.Member(1);
        Assert.True(MaxDifference(resumed.Field, continued) < Tolerance);
        resumed.Field.Dispose();
    }

    [Fact]
    public void BadInputIsRefusedWithAClearMessage()
    {
        using var ensemble = InitialEnsemble(3);
        var count = Assert.Throws<ArgumentException>(() => new EnsembleTrainer(ensemble, Spec, ThreeMembers().Take(2).ToArray()));
        Assert.Contains("3 members but 2", count.Message);
        var lockstep = Assert.Throws<ArgumentException>(() => new EnsembleTrainer(ensemble, Spec,
            ThreeMembers().Select((o, k) => k == 2 ? o with { BatchSize = 32 } : o).ToArray()));
        Assert.Contains("BatchSize", lockstep.Message);
        var ema = Assert.Throws<ArgumentException>(() => new EnsembleTrainer(ensemble, Spec,
            ThreeMembers().Select((o, k) => k == 1 ? o with { EmaDecay = 0.99 } : o).ToArray()));
        Assert.Contains("every member keeps an EMA", ema.Message);
        var coupling = Assert.Throws<ArgumentException>(() => new EnsembleTrainer(ensemble, Spec,
            ThreeMembers().Select(o => o with { Coupling = new PrecondFlow.Couplings.CouplingOptions("ot") }).ToArray()));
        Assert.Contains("coupling", coupling.Message);
        var spec = Assert.Throws<ArgumentException>(() => new EnsembleTrainer(ensemble, new ModelSpec(Config with { Hidden = new[] { 64 } }), ThreeMembers()));
        Assert.Contains("Hidden", spec.Message);

        using var trainer = new EnsembleTrainer(ensemble, Spec, ThreeMembers());
        var threeD = new PointCloud(zeros(10, 3).DetachFromDisposeScope());
        var dims = Assert.Throws<ArgumentException>(() => trainer.Train(new[] { threeD }));
        Assert.Contains("3 dimensions but the members expect 2", dims.Message);
        var sets = Assert.Throws<ArgumentException>(() => trainer.Train(new[] { Data(), Data() }));
        Assert.Contains("one per member (3); got 2", sets.Message);
        Assert.Equal(0, trainer.Step);

        using var conditional = InitialEnsemble(3, Conditional);
        using var labelled = new EnsembleTrainer(conditional, ConditionalSpec, ThreeMembers());
        var unlabelled = Assert.Throws<ArgumentException>(() => labelled.Train(new[] { Data() }));
        Assert.Contains("conditioned on 3 classes but training set 0 has no labels", unlabelled.Message);
    }
}
