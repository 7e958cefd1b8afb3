using System.Diagnostics;
using System.Globalization;
using PrecondFlow.Data;
using PrecondFlow.Experiments.Studies.Internal;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Fields;
using PrecondFlow.Metrics;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies;

/// <summary>
/// A convergence study: every arm (a preconditioner, or none) trains the same main flow on the same data, and is
/// evaluated at log-spaced steps by sampling through P⁻¹ and comparing with the test split
/// (<see cref="SampleQualityMetrics"/>). Seeds are paired across arms (same split, same initial weights, same
/// minibatches, same sampling noise). Each arm runs at its own best learning rate of a grid, chosen on the validation
/// split; compute-matched baselines (more steps; a wider network) accompany each arm whose P is trained by gradient steps.
/// With source points (<see cref="StudyData.Source"/>) the main flow transports them to the data instead, as
/// <see cref="TwoSidedTransport"/> does, and each evaluation transports held-out source points (one learning rate, no
/// compute-matched baselines). Plain data in and out: no files, no console.
/// </summary>
public static partial class ConvergenceStudy
{
    /// <summary>Base of the sampling seeds: seed s samples with SamplingSeed + s at every evaluation, in every arm.</summary>
    public const long SamplingSeed = 7_919;

    private sealed record PlannedArm(string Name, ArmKind Kind, string Preconditioner, string Description, int[] Hidden,
        int ExtraSteps, string? MatchedTo, int FitSteps);

    /// <summary>Runs the study. Deterministic on the CPU: same options and data, same numbers.</summary>
    /// <param name="options">The study's settings (validated here).</param>
    /// <param name="data">The data and what they are.</param>
    /// <param name="device">Where to train and sample.</param>
    /// <param name="progress">One stage for the learning-rate grid and one per arm.</param>
    /// <param name="cache">Where finished learning-rate trials and seeds are kept and reused (an interrupted study resumes
    /// from them); null computes everything.</param>
    /// <param name="observer">Receives each arm's seeds as they run (training windows, evaluations, final samples); it only
    /// reads, so the numbers are the same without it.</param>
    public static StudyResult Run(StudyOptions options, StudyData data, Device device, IExperimentProgress? progress = null,
        StudyCache? cache = null, IStudyObserver? observer = null)
    {
        options.Validate();
        progress ??= IExperimentProgress.None;
        var clock = Stopwatch.StartNew();
        var points = data.Points;
        int classes = points.NumClasses;
        var seeds = Enumerable.Range(0, options.Seeds).Select(s => (long)s).ToArray();
        CheckTransport(options, data);
        var cached = cache is null ? null : new CachedUnits(cache, StudyCache.StudyKey(options, data, device));

        using var scope = NewDisposeScope();
        var splits = seeds.Select(s => DataSplit.Of(points, options.ValidationFraction, options.TestFraction, s)).ToArray();
        var sourceSplits = data.Source is { } source
            ? seeds.Select(s => DataSplit.Of(source, options.ValidationFraction, options.TestFraction, s)).ToArray()
            : null;
        var references = splits.Select(s => ReferenceSet.Prepare(s.Test.Points, s.Test.Labels, curve: data.Curve)).ToArray();
        try
        {
            var bandwidths = FixedBandwidths(splits[0].Test.Points, options);
            var metrics = StudyMetric.For(bandwidths, data.Curve is not null);
            var quality = new SampleQualityOptions
            {
                Distances = new DistributionMetricsOptions { MaxSamples = options.MetricSamples, Projections = options.Projections },
                MmdBandwidths = bandwidths,
            };
            var (plan, matches) = Plan(options, points.Dim, classes, splits[0].Train.Count);

            var trials = new List<LearningRateTrial>();
            var chosen = new Dictionary<string, double>();
            var search = progress.AddStage("learning rates", plan.Count * options.LearningRateGrid.Count);
            foreach (var arm in plan)
            {
                if (arm.Kind == ArmKind.MoreSteps)
                    continue;   // the same network and data as the baseline: it runs at the baseline's rate
                if (sourceSplits is not null)
                {
                    chosen[arm.Name] = options.LearningRateGrid[0];   // a transport study runs its one rate (CheckTransport)
                    continue;
                }
                var armTrials = SearchLearningRate(options, arm, splits[0], classes, device, trials.Count, search, cached);
                trials.AddRange(armTrials);
                chosen[arm.Name] = Best(armTrials);
            }
            search.Report((plan.Count * options.LearningRateGrid.Count, "done"));

            var arms = new List<StudyArm>();
            foreach (var arm in plan)
            {
                double rate = arm.Kind == ArmKind.MoreSteps ? chosen[StudyOptions.Baseline] : chosen[arm.Name];
                arms.Add(RunArm(options, arm, rate, seeds, splits, sourceSplits, references, metrics, quality, classes, device, progress,
                    cached, observer));
            }
            return new StudyResult(options, data.Description,
                (splits[0].Train.Count, splits[0].Validation.Count, splits[0].Test.Count), metrics, bandwidths, trials, arms,
                matches, clock.Elapsed.TotalSeconds, TransportsSource: data.Source is not null);
        }
        finally
        {
            foreach (var reference in references)
                reference.Dispose();
        }
    }

    /// <summary>MMD bandwidths fixed once per study: the median pairwise distance of the first seed's test split × {¼, 1, 4}.</summary>
    private static IReadOnlyList<double> FixedBandwidths(Tensor test, StudyOptions options)
    {
        long half = test.shape[0] / 2;
        return MaximumMeanDiscrepancy.Compute(test.slice(0, 0, half, 1), test.slice(0, half, test.shape[0], 1), seed: 0,
            maxSamples: options.MetricSamples, bandwidthFactors: [0.25, 1, 4]).Bandwidths;
    }

    private static (List<PlannedArm> Arms, List<ComputeMatch> Matches) Plan(StudyOptions options, int dim, int classes, long trainCount)
    {
        var plan = new List<PlannedArm>();
        var matches = new List<ComputeMatch>();
        var hidden = options.HiddenWidths;
        long mainParameters = ComputeMatching.Parameters(options.Field(dim, classes));
        foreach (var spec in options.ArmSpecs)
        {
            using var preconditioner = PreconditionerFactory.Create(ArmSides.Parse(spec).Representative, dim, classes, options.PreconditionerSettings);
            var (fitSteps, flops) = ComputeMatching.PreconditionerCost(preconditioner, trainCount);
            bool baseline = spec == StudyOptions.Baseline;
            plan.Add(new PlannedArm(spec, baseline ? ArmKind.Baseline : ArmKind.Preconditioned, spec,
                baseline ? "no preconditioner (the baseline)" : $"preconditioner {spec} before the main flow", hidden, 0, null,
                (int)Math.Min(int.MaxValue, fitSteps)));
            if (baseline || !options.ComputeMatched || fitSteps == 0)
                continue;
            int extra = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(flops / ((double)options.BatchSize * mainParameters)));
            long target = preconditioner.ParameterCount + mainParameters;
            var (wider, widerParameters) = ComputeMatching.Wider(options.Field(dim, classes), target);
            matches.Add(new ComputeMatch(spec, fitSteps, flops, extra, wider, widerParameters, target));
            plan.Add(new PlannedArm($"none+steps({spec})", ArmKind.MoreSteps, StudyOptions.Baseline,
                string.Create(CultureInfo.InvariantCulture,
                    $"no preconditioner, {extra} extra main-flow steps: the FLOP-equivalents of {spec}'s training"),
                hidden, extra, spec, 0));
            plan.Add(new PlannedArm($"none-wider({spec})", ArmKind.Wider, StudyOptions.Baseline,
                string.Create(CultureInfo.InvariantCulture,
                    $"no preconditioner, hidden widths {string.Join("-", wider)} ({widerParameters} parameters ≥ {spec}'s + the main flow's {target})"),
                wider, 0, spec, 0));
        }
        return (plan, matches);
    }

    /// <summary>A cache and the key of the study whose units it keeps.</summary>
    private sealed record CachedUnits(StudyCache Cache, string Study);

    private static List<LearningRateTrial> SearchLearningRate(StudyOptions options, PlannedArm arm, DataSplit split, int classes,
        Device device, int done, IProgress<(double Done, string Status)> bar, CachedUnits? cached)
    {
        using var scope = NewDisposeScope();
        // P is fitted only when a rate of the grid is missing from the cache.
        IFittablePreconditioner? preconditioner = null;
        PointCloud? train = null, validation = null;
        var spec = Spec(options, arm, split.Train.Dim, classes);
        var trials = new List<LearningRateTrial>();
        try
        {
            void Prepare()
            {
                if (preconditioner is not null)
                    return;
                preconditioner = PreconditionerFactory.Create(arm.Preconditioner, split.Train.Dim, classes, options.PreconditionerSettings);
                Fit(preconditioner, split.Train, seed: 0, null);
                train = PreconditionedModel.Transform(preconditioner, split.Train);
                validation = PreconditionedModel.Transform(preconditioner, split.Validation);
            }
            var missing = options.LearningRateGrid.Where(r => cached?.Cache.FindTrial(cached.Study, arm.Name, r) is null).ToArray();
            var together = new Dictionary<double, LearningRateTrial>();
            if (Batched(options, null) && missing.Length > 1)
            {
                bar.Report((done, $"{arm.Name}: {missing.Length} rates at once"));
                Prepare();
                foreach (var trial in TrialsBatched(options, arm, spec, missing, train!, validation!, device))
                    together[trial.LearningRate] = trial;
            }
            foreach (var rate in options.LearningRateGrid)
            {
                bar.Report((done + trials.Count, string.Create(CultureInfo.InvariantCulture, $"{arm.Name} lr {rate:G3}")));
                if (cached?.Cache.FindTrial(cached.Study, arm.Name, rate) is { } reused)
                {
                    trials.Add(reused);
                    continue;
                }
                if (!together.TryGetValue(rate, out var trial))
                {
                    Prepare();
                    using var field = MainFlow.Create(spec, 0, device);
                    using var trainer = new FlowTrainer(field, spec, options.Training(options.SearchSteps, rate, 0));
                    trainer.Train(train!);
                    trial = new LearningRateTrial(arm.Name, rate, ValidationLoss.Of(trainer.SamplingField, spec, validation!));
                }
                cached?.Cache.SaveTrial(cached.Study, trial);
                trials.Add(trial);
            }
        }
        finally
        {
            preconditioner?.Dispose();
        }
        return trials;
    }

    /// <summary>The rate with the lowest validation loss (NaN losses never win; ties go to the first rate).</summary>
    private static double Best(IReadOnlyList<LearningRateTrial> trials)
    {
        var finite = trials.Where(t => double.IsFinite(t.ValidationLoss)).ToArray();
        if (finite.Length == 0)
            throw new InvalidOperationException(
                $"Arm {trials[0].Arm}: training diverged at every learning rate of the grid; try smaller rates.");
        return finite.MinBy(t => t.ValidationLoss)!.LearningRate;
    }

    private static StudyArm RunArm(StudyOptions options, PlannedArm arm, double rate, long[] seeds, DataSplit[] splits,
        DataSplit[]? sourceSplits, ReferenceSet[] references, IReadOnlyList<StudyMetric> metrics, SampleQualityOptions quality, int classes, Device device,
        IExperimentProgress progress, CachedUnits? cached, IStudyObserver? observer)
    {
        int total = options.Steps + arm.ExtraSteps;
        var steps = options.EvaluationSteps.Concat(arm.ExtraSteps > 0 ? [total] : Array.Empty<int>()).ToArray();
        var bar = new ArmProgress(progress, arm.Name, seeds.Length, arm.FitSteps, total);
        var spec = Spec(options, arm, splits[0].Train.Dim, classes);
        var outcomes = new List<SeedOutcome>();
        if (Batched(options, sourceSplits) &&
            seeds.Any(s => cached?.Cache.FindSeed(cached.Study, arm.Name, rate, s) is null))
        {
            var runs = seeds.Select(s => observer?.RunStarted(arm.Name, s)).ToArray();
            try
            {
                outcomes.AddRange(RunSeedsBatched(options, arm, spec, rate, seeds, steps, total, splits, references, metrics, quality,
                    classes, device, bar, runs));
            }
            finally
            {
                foreach (var run in runs)
                    run?.Dispose();
            }
            for (int i = 0; i < seeds.Length; i++)
                cached?.Cache.SaveSeed(cached.Study, arm.Name, rate, seeds[i], outcomes[i]);
        }
        for (int i = outcomes.Count; i < seeds.Length; i++)
        {
            bar.SeedIndex = i;
            using var run = observer?.RunStarted(arm.Name, seeds[i]);
            if (cached?.Cache.FindSeed(cached.Study, arm.Name, rate, seeds[i]) is { } reused)
            {
                bar.Status("reused from the cache", afterTraining: true);
                outcomes.Add(reused);
                Replay(run, steps, reused);
                continue;
            }
            bool keep = options.KeepFinalSamples && i == 0;
            var outcome = sourceSplits is not null
                ? RunTransportSeed(options, arm, spec, rate, seeds[i], steps, total, splits[i], sourceSplits[i], references[i], metrics,
                    quality, device, bar, keep, run)
                : RunSeed(options, arm, spec, rate, seeds[i], steps, total, splits[i], references[i], metrics, quality, classes, device,
                    bar, keep, run);
            cached?.Cache.SaveSeed(cached.Study, arm.Name, rate, seeds[i], outcome);
            outcomes.Add(outcome);
        }
        bar.Done();
        return new StudyArm(arm.Name, arm.Kind, arm.Preconditioner, arm.Description, rate, steps,
            metrics.ToDictionary(m => m.Key, m => (IReadOnlyList<IReadOnlyList<double>>)outcomes.Select(o => o.Metrics[m.Key]).ToArray()),
            outcomes.Select(o => o.PreconditionerSeconds).ToArray(), outcomes.Select(o => o.TrainSeconds).ToArray(),
            outcomes[^1].PreconditionerParameters, outcomes[^1].MainFlowParameters, arm.Hidden, arm.MatchedTo)
        {
            FinalSamples = options.KeepFinalSamples ? outcomes[0].FinalSamples ?? [] : null,
        };
    }

    /// <summary>
    /// One seed of an arm: fit P on the training split, train the main flow on P(x) in stages, and at each evaluation point
    /// sample through P⁻¹ and compare with the test split; <paramref name="keep"/> keeps the last evaluation's samples.
    /// </summary>
    private static SeedOutcome RunSeed(StudyOptions options, PlannedArm arm, ModelSpec spec, double rate, long seed, int[] steps,
        int total, DataSplit split, ReferenceSet reference, IReadOnlyList<StudyMetric> metrics, SampleQualityOptions quality,
        int classes, Device device, ArmProgress bar, bool keep, IStudyRunObserver? run)
    {
        using var scope = NewDisposeScope();
        var preconditioner = PreconditionerFactory.Create(arm.Preconditioner, split.Train.Dim, classes, options.PreconditionerSettings);
        using var field = MainFlow.Create(spec, seed, device);
        var clock = Stopwatch.StartNew();
        Fit(preconditioner, split.Train, seed, bar.Fitting());
        var train = PreconditionedModel.Transform(preconditioner, split.Train);
        double fitSeconds = clock.Elapsed.TotalSeconds;

        using var trainer = new FlowTrainer(field, spec, options.Training(total, rate, seed));
        using var model = PreconditionedModel.Compose(preconditioner, trainer.SamplingField, spec);
        var perStep = metrics.ToDictionary(m => m.Key, _ => new List<double>());
        var labels = SampleLabels(split.Test, options.Samples, classes);
        var kept = keep ? new List<double[]>() : null;
        foreach (var step in steps)
        {
            trainer.Train(train, untilStep: step, progress: bar.Training(run?.Training));
            bar.Status($"evaluating at {step}", afterTraining: false);
            bool last = step == steps[^1];
            var final = last ? kept ?? (run is null ? null : new List<double[]>()) : null;
            var read = Evaluate(model, reference, labels, options, quality, seed, device, metrics, final);
            foreach (var (key, value) in read)
                perStep[key].Add(value);
            run?.Evaluated(step, read);
            if (final is not null)
                run?.FinalSamples(step, final);
        }
        return new SeedOutcome(perStep.ToDictionary(p => p.Key, p => p.Value.ToArray()), fitSeconds, trainer.Seconds,
            preconditioner.ParameterCount, VectorFields.ParameterCount(field), kept);
    }

    /// <summary>
    /// One seed of a transport study's arm: fit the source map S on the source's training split and the target map T on the
    /// data's, train the main flow from S(source) to T(data) in stages, and at each evaluation point transport the source's
    /// held-out points (repeated to <see cref="StudyOptions.Samples"/>) by T⁻¹(F(S(x₀))) and compare them with the test split;
    /// <paramref name="keep"/> keeps the last evaluation's transported points.
    /// </summary>
    private static SeedOutcome RunTransportSeed(StudyOptions options,
        PlannedArm arm, ModelSpec spec, double rate, long seed, int[] steps, int total, DataSplit split, DataSplit sourceSplit,
        ReferenceSet reference, IReadOnlyList<StudyMetric> metrics, SampleQualityOptions quality, Device device, ArmProgress bar,
        bool keep, IStudyRunObserver? run)
    {
        using var scope = NewDisposeScope();
        int dim = split.Train.Dim;
        var sides = ArmSides.Parse(arm.Preconditioner);
        using var sourceMap = PreconditionerFactory.Create(sides.Source, dim, 0, options.PreconditionerSettings);
        using var targetMap = PreconditionerFactory.Create(sides.Target, dim, 0, options.PreconditionerSettings);
        // The main flow's initial weights first: fitting a flow preconditioner reseeds libtorch's global generator.
        using var field = MainFlow.Create(spec, seed, device);
        var clock = Stopwatch.StartNew();
        Fit(sourceMap, sourceSplit.Train, seed, bar.Fitting());
        Fit(targetMap, split.Train, seed, bar.Fitting());
        var mappedSource = PreconditionedModel.Transform(sourceMap, sourceSplit.Train);
        var train = PreconditionedModel.Transform(targetMap, split.Train);
        long repeats = (options.Samples + sourceSplit.Test.Count - 1) / sourceSplit.Test.Count;
        Tensor start;
        using (no_grad())
            start = sourceMap.Transform(sourceSplit.Test.Points.repeat(repeats, 1).slice(0, 0, options.Samples, 1));
        double fitSeconds = clock.Elapsed.TotalSeconds;

        using var trainer = new FlowTrainer(field, spec, options.Training(total, rate, seed));
        var model = new GenerativeModel(trainer.SamplingField, spec);
        var read = new List<IReadOnlyDictionary<string, double>>();
        var kept = keep ? new List<double[]>() : null;
        foreach (var step in steps)
        {
            trainer.Train(train, untilStep: step, progress: bar.Training(run?.Training), source: mappedSource);
            bar.Status($"evaluating at {step}", afterTraining: false);
            using var evaluation = NewDisposeScope();
            var samples = TwoSidedTransport.TransportMapped(targetMap, model, start.to(device), options.Sampling).Points.cpu();
            if (kept is not null && step == steps[^1])
                kept.AddRange(Rows(samples));
            read.Add(!samples.isfinite().all().item<bool>()
                ? metrics.ToDictionary(m => m.Key, _ => double.NaN)
                : StudyMetric.Read(metrics, SampleQualityMetrics.Evaluate(reference, samples, null, seed, quality)));
            run?.Evaluated(step, read[^1]);
            if (run is not null && step == steps[^1])
                run.FinalSamples(step, (IReadOnlyList<double[]>?)kept ?? Rows(samples));
        }
        return new SeedOutcome(metrics.ToDictionary(m => m.Key, m => read.Select(r => r[m.Key]).ToArray()), fitSeconds, trainer.Seconds,
            sourceMap.ParameterCount + targetMap.ParameterCount, VectorFields.ParameterCount(field), kept);
    }

    /// <summary>Tells <paramref name="run"/> what a seed taken from the cache measured (its training is not replayed).</summary>
    private static void Replay(IStudyRunObserver? run, int[] steps, SeedOutcome outcome)
    {
        if (run is null)
            return;
        for (int k = 0; k < steps.Length; k++)
            run.Evaluated(steps[k], outcome.Metrics.ToDictionary(m => m.Key, m => m.Value[k]));
        if (outcome.FinalSamples is { Count: > 0 } samples)
            run.FinalSamples(steps[^1], samples);
    }

    /// <summary>A transport study (source points given) runs one learning rate, no compute-matched baselines and
    /// unlabelled data; side prefixes ("source:", "target:") need source points.</summary>
    private static void CheckTransport(StudyOptions options, StudyData data)
    {
        if (data.Source is null)
        {
            if (options.ArmSpecs.FirstOrDefault(ArmSides.HasSide) is { } sided)
                throw new ArgumentException(
                    $"Arm '{sided}' puts its preconditioner on one side of a transport, but the study has no source points: use '{ArmSides.Parse(sided).Representative}'.",
                    nameof(data));
            return;
        }
        if (options.LearningRateGrid.Count != 1)
            throw new ArgumentException(
                $"A transport study (source points given) runs one learning rate; got {options.LearningRateGrid.Count}. Give one, e.g. 1e-3.", nameof(options));
        if (options.ComputeMatched)
            throw new ArgumentException("A transport study has no compute-matched baselines yet: set ComputeMatched to false.", nameof(options));
        if (data.Points.HasLabels || data.Source.HasLabels)
            throw new ArgumentException("A transport pairs source and target points at random, so labels cannot be honoured: give unlabelled points.", nameof(data));
        if (data.Source.Dim != data.Points.Dim)
            throw new ArgumentException($"The source points have {data.Source.Dim} dimensions, the data {data.Points.Dim}: both must agree.", nameof(data));
    }

    private static IReadOnlyDictionary<string, double> Evaluate(PreconditionedModel model, ReferenceSet reference, Tensor? labels,
        StudyOptions options, SampleQualityOptions quality, long seed, Device device, IReadOnlyList<StudyMetric> metrics,
        List<double[]>? keep = null)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var samples = model.Sample(options.Samples, options.Sampling, SamplingSeed + seed, device, labels).Points.cpu();
        keep?.AddRange(Rows(samples));
        if (!samples.isfinite().all().item<bool>())
            return metrics.ToDictionary(m => m.Key, _ => double.NaN);
        return StudyMetric.Read(metrics, SampleQualityMetrics.Evaluate(reference, samples, labels, seed, quality));
    }

    /// <summary>The rows of (n, d) points as float64 arrays.</summary>
    private static double[][] Rows(Tensor points)
    {
        using var rows = points.to_type(ScalarType.Float64);
        int dim = (int)rows.shape[1];
        var flat = rows.data<double>().ToArray();
        return Enumerable.Range(0, (int)rows.shape[0]).Select(r => flat.AsSpan(r * dim, dim).ToArray()).ToArray();
    }

    /// <summary>Labels of the samples of a labelled study: the test split's labels, repeated to the sample count.</summary>
    private static Tensor? SampleLabels(PointCloud test, int count, int classes)
    {
        if (classes == 0 || test.Labels is null)
            return null;
        long repeats = (count + test.Count - 1) / test.Count;
        return test.Labels.repeat(repeats).slice(0, 0, count, 1);
    }

    private static PreconditionerFitReport Fit(IFittablePreconditioner preconditioner, PointCloud train, long seed,
        IProgress<PreconditionerProgress>? progress)
    {
        var fit = preconditioner.Fit(train, seed, progress);
        if (!fit.Passed)
            throw new InvalidOperationException(
                $"The {preconditioner.Name} preconditioner failed its invertibility check after fitting " +
                $"(max relative round-trip error {fit.Invertibility?.MaxRelativeError:G3}).");
        return fit;
    }

    private static ModelSpec Spec(StudyOptions options, PlannedArm arm, int dim, int classes) =>
        new(options.Field(dim, classes, arm.Hidden), "linear", Objective.FlowMatching);
}
