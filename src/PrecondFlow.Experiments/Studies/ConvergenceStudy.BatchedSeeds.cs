using System.Diagnostics;
using PrecondFlow.Data;
using PrecondFlow.Experiments.Studies.Internal;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Fields;
using PrecondFlow.Metrics;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies;

public static partial class ConvergenceStudy
{
    /// <summary>Whether an arm's seeds (and its learning-rate trials) train as one ensemble (<see cref="StudyOptions.BatchedSeeds"/>):
    /// every study without source points, labelled or not, with or without an EMA (what <see cref="EnsembleTrainer"/> supports).
    /// A transport study (source points) still runs its seeds one by one: the ensemble draws no source points.</summary>
    private static bool Batched(StudyOptions options, DataSplit[]? sourceSplits) =>
        options.BatchedSeeds && sourceSplits is null;

    /// <summary>
    /// Every seed of an arm at once: each seed fits its own P on its training split and starts from its own initial weights,
    /// as <see cref="RunSeed"/> does; their main flows then train as one <see cref="EnsembleTrainer"/> (member k draws seed
    /// k's minibatches), and at each evaluation point each member (its EMA when the study keeps one) is evaluated through
    /// its own P⁻¹, with the labels of its own test split when the data are labelled, as a separate run would be. The training time is shared: each seed is charged the ensemble's time over the number of seeds.
    /// </summary>
    private static SeedOutcome[] RunSeedsBatched(StudyOptions options, PlannedArm arm, ModelSpec spec, double rate, long[] seeds,
        int[] steps, int total, DataSplit[] splits, ReferenceSet[] references, IReadOnlyList<StudyMetric> metrics,
        SampleQualityOptions quality, int classes, Device device, ArmProgress bar, IStudyRunObserver?[] runs)
    {
        using var scope = NewDisposeScope();
        int count = seeds.Length;
        var preconditioners = new IFittablePreconditioner[count];
        var fields = new MlpVectorField[count];
        var train = new PointCloud[count];
        var fitSeconds = new double[count];
        for (int i = 0; i < count; i++)
        {
            bar.SeedIndex = i;
            preconditioners[i] = PreconditionerFactory.Create(arm.Preconditioner, splits[i].Train.Dim, classes, options.PreconditionerSettings);
            fields[i] = (MlpVectorField)MainFlow.Create(spec, seeds[i], device);
            var clock = Stopwatch.StartNew();
            Fit(preconditioners[i], splits[i].Train, seeds[i], bar.Fitting());
            train[i] = PreconditionedModel.Transform(preconditioners[i], splits[i].Train);
            fitSeconds[i] = clock.Elapsed.TotalSeconds;
        }
        PreconditionedModel[]? models = null;
        try
        {
            using var ensemble = EnsembleMlpField.FromMembers(fields);
            using var trainer = new EnsembleTrainer(ensemble, spec, seeds.Select(s => options.Training(total, rate, s)).ToArray());
            models = preconditioners.Select((p, i) => PreconditionedModel.Compose(p, fields[i], spec)).ToArray();
            var labels = splits.Select(s => SampleLabels(s.Test, options.Samples, classes)).ToArray();
            var perStep = seeds.Select(_ => metrics.ToDictionary(m => m.Key, _ => new List<double>())).ToArray();
            var kept = seeds.Select((_, i) => options.KeepFinalSamples && i == 0 ? new List<double[]>() : null).ToArray();
            foreach (var step in steps)
            {
                bar.Together(trainer.Step, $"training to {step}");
                trainer.Train(train, untilStep: step);
                if (trainer.DivergedAtStep.Select((at, i) => (at, i)).FirstOrDefault(d => d.at is not null) is { at: { } at } diverged)
                    throw new InvalidOperationException(
                        $"The main flow of arm {arm.Name}, seed {seeds[diverged.i]}, diverged at step {at}: lower the learning rate.");
                bar.Together(step, $"evaluating at {step}");
                bool last = step == steps[^1];
                for (int i = 0; i < count; i++)
                {
                    trainer.SamplingField.CopyMemberTo(i, fields[i]);
                    var final = last ? kept[i] ?? (runs[i] is null ? null : new List<double[]>()) : null;
                    var read = Evaluate(models[i], references[i], labels[i], options, quality, seeds[i], device, metrics, final);
                    foreach (var (key, value) in read)
                        perStep[i][key].Add(value);
                    runs[i]?.Evaluated(step, read);
                    if (final is not null)
                        runs[i]?.FinalSamples(step, final);
                }
            }
            return Enumerable.Range(0, count).Select(i => new SeedOutcome(perStep[i].ToDictionary(p => p.Key, p => p.Value.ToArray()),
                fitSeconds[i], trainer.Seconds / count, preconditioners[i].ParameterCount, VectorFields.ParameterCount(fields[i]), kept[i]))
                .ToArray();
        }
        finally
        {
            // A composed model owns its preconditioner, not its field.
            foreach (var model in models ?? [])
                model.Dispose();
            foreach (var field in fields)
                field.Dispose();
        }
    }

    /// <summary>
    /// The learning-rate trials of an arm at once: one member per rate, all from seed 0's initial weights and minibatches
    /// (as the trials one by one), trained together on P(x) and scored on the validation split (by its EMA when the study
    /// keeps one, as a trial alone is). A rate whose member diverged scores NaN, so it never wins.
    /// </summary>
    private static IEnumerable<LearningRateTrial> TrialsBatched(StudyOptions options, PlannedArm arm, ModelSpec spec,
        IReadOnlyList<double> rates, PointCloud train, PointCloud validation, Device device)
    {
        using var scope = NewDisposeScope();
        var fields = rates.Select(_ => (MlpVectorField)MainFlow.Create(spec, 0, device)).ToArray();
        try
        {
            using var ensemble = EnsembleMlpField.FromMembers(fields);
            using var trainer = new EnsembleTrainer(ensemble, spec, rates.Select(r => options.Training(options.SearchSteps, r, 0)).ToArray());
            trainer.Train([train]);
            var trials = new List<LearningRateTrial>();
            for (int i = 0; i < rates.Count; i++)
            {
                trainer.SamplingField.CopyMemberTo(i, fields[i]);
                double loss = trainer.DivergedAtStep[i] is null ? ValidationLoss.Of(fields[i], spec, validation) : double.NaN;
                trials.Add(new LearningRateTrial(arm.Name, rates[i], loss));
            }
            return trials;
        }
        finally
        {
            foreach (var field in fields)
                field.Dispose();
        }
    }
}
