using System.Diagnostics;
using PrecondFlow.Couplings;
using PrecondFlow.Data;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Fields;
using PrecondFlow.Metrics;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Reporting;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Couplings;

/// <summary>
/// What minibatch optimal transport buys, with and without a preconditioner: every <see cref="CouplingArm"/> (independent,
/// exact OT and Sinkhorn pairs, without and with whitening on both ends, and exact OT measured in data space next to the
/// whitened space) on every <see cref="CouplingProblem"/>, with paired seeds. Each arm trains the same main flow
/// (TorchCFM's MLP: SELU, raw time; Adam at a constant rate after a warm-up) through <see cref="TwoSidedTransport"/>,
/// then carries held-out source points to the target with Euler and RK4 at 2 to 100 network evaluations, and measures
/// sample quality (sliced W₂, also in the target's whitened coordinates), path straightness and training time.
/// </summary>
public static class CouplingsExperiment
{
    public const string Id = "couplings";

    /// <summary>The solver settings every arm is evaluated with: Euler at 2, 4, 8, 16, 100 steps and RK4 at 1, 2, 4, 25
    /// steps (NFE 4, 8, 16, 100).</summary>
    public static IReadOnlyList<(string Solver, int Steps)> SolverGrid { get; } =
        [("euler", 2), ("euler", 4), ("euler", 8), ("euler", 16), ("euler", 100), ("rk4", 1), ("rk4", 2), ("rk4", 4), ("rk4", 25)];

    /// <summary>The setting of the sample scatters: the fewest network evaluations.</summary>
    public static (string Solver, int Steps) LowNfe { get; } = ("euler", 2);

    /// <summary>Network evaluations of a solver setting.</summary>
    public static int Nfe(string solver, int steps) => solver == "rk4" ? 4 * steps : steps;

    /// <summary>The main flow's network: an MLP with SELU and raw time input (TorchCFM's MLP).</summary>
    public static ModelSpec Spec(CouplingsOptions options) =>
        new(new FieldConfig(Dim: 2, Hidden: options.HiddenOrDefault.ToArray(), Activation: "selu", Time: TimeEncoding.Raw), "linear",
            Objective.FlowMatching);

    /// <summary>The main flow's training settings for one arm and seed: Adam (no weight decay, no clipping), constant rate
    /// after a linear warm-up.</summary>
    public static TrainingOptions Training(CouplingsOptions options, CouplingArm arm, long seed) => new(
        Steps: options.Steps, BatchSize: options.BatchSize, LearningRate: options.LearningRate, WarmupSteps: options.WarmupSteps,
        CosineDecay: false, GradientClip: null, LogEvery: options.LogEvery, Seed: seed,
        Coupling: (arm.Coupling == "sinkhorn" ? options.Sinkhorn() : new CouplingOptions(arm.Coupling)) with { Space = arm.Space });

    /// <summary>Runs every arm of every problem for every seed.</summary>
    /// <param name="options">Budget and settings (validated here).</param>
    /// <param name="seeds">At least one seed, no repeats.</param>
    /// <param name="device">Where the main flows train.</param>
    /// <param name="progress">One stage per problem and arm.</param>
    /// <exception cref="ArgumentException">No seeds, or a repeated seed.</exception>
    public static CouplingsResult Run(CouplingsOptions options, IReadOnlyList<long> seeds, Device device, IExperimentProgress? progress = null)
    {
        options.Validate();
        CheckSeeds(seeds);
        progress ??= IExperimentProgress.None;
        var clock = Stopwatch.StartNew();
        var problems = CouplingProblem.All(options.Kappa);
        // All bars first, so that the display shows the whole plan from the start.
        var bars = problems.ToDictionary(p => p.Key,
            p => CouplingArm.All.Select(a => new ArmProgress(progress, $"{p.Key} {a.Key}", seeds.Count, 0, options.Steps)).ToArray());
        var results = problems.Select(p => RunProblem(p, options, seeds, device, bars[p.Key])).ToList();
        return new CouplingsResult(options, seeds.ToArray(), results, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Throws unless there is at least one seed and no seed repeats.</summary>
    /// <exception cref="ArgumentException">The message quotes the seeds.</exception>
    public static void CheckSeeds(IReadOnlyList<long> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count < 1)
            throw new ArgumentException("Give at least one seed (e.g. --seeds 3 for seeds 0, 1, 2).", nameof(seeds));
        if (seeds.Distinct().Count() != seeds.Count)
            throw new ArgumentException($"Each seed must appear once; got {string.Join(", ", seeds)}.", nameof(seeds));
    }

    private static CouplingProblemResult RunProblem(CouplingProblem problem, CouplingsOptions options, IReadOnlyList<long> seeds,
        Device device, IReadOnlyList<ArmProgress> bars)
    {
        var runs = CouplingArm.All.Select(_ => new List<CouplingRun>()).ToArray();
        var floor = new List<double>();
        var floorWhitened = new List<double>();
        Series? target = null;
        var samples = new Dictionary<string, Series>();
        for (int s = 0; s < seeds.Count; s++)
        {
            long seed = seeds[s];
            using var scope = NewDisposeScope();
            var data = ProblemData.Draw(problem, options, seed);
            using var whitened = WhitenedCoordinates.Fit(data.HeldOutTarget.Points);
            floor.Add(SlicedWasserstein.Compute(data.SecondTarget.Points, data.HeldOutTarget.Points, order: 2, seed: seed));
            floorWhitened.Add(whitened is null ? double.NaN
                : SlicedWasserstein.Compute(whitened.Apply(data.SecondTarget.Points), whitened.Apply(data.HeldOutTarget.Points), order: 2, seed: seed));
            if (s == 0)
                target = PointSeries.FromPoints("held-out target", data.HeldOutTarget.Points, 2000);
            for (int a = 0; a < CouplingArm.All.Count; a++)
            {
                var arm = CouplingArm.All[a];
                bars[a].SeedIndex = s;
                var (run, low) = RunSeed(arm, data, whitened, options, seed, device, bars[a]);
                runs[a].Add(run);
                if (s == 0)
                    samples[arm.Key] = PointSeries.FromPoints(arm.Key, low, 2000);
                if (s == seeds.Count - 1)
                    bars[a].Done();
            }
        }
        var arms = CouplingArm.All.Select((arm, a) => new CouplingArmResult(arm, runs[a])).ToArray();
        return new CouplingProblemResult(problem.Key, problem.Title, arms, floor, floorWhitened, target!, samples);
    }

    private static (CouplingRun Run, Tensor LowNfe) RunSeed(CouplingArm arm, ProblemData data, WhitenedCoordinates? whitened,
        CouplingsOptions options, long seed, Device device, ArmProgress bar)
    {
        var spec = Spec(options);
        var field = MainFlow.Create(spec, seed, device);
        using var transport = TwoSidedTransport.Train(data.Source, data.Target,
            PreconditionerFactory.Create(arm.Preconditioner, 2, 0), PreconditionerFactory.Create(arm.Preconditioner, 2, 0),
            field, spec, Training(options, arm, seed), progress: bar.Training());
        bar.Status("measuring", afterTraining: true);

        var heldOut = data.HeldOutSource.Points.to(device);
        var reference = data.HeldOutTarget.Points;
        var referenceWhitened = whitened?.Apply(reference);
        var quality = new List<QualityPoint>();
        Tensor? lowNfe = null;
        foreach (var (solver, steps) in SolverGrid)
        {
            using var perSetting = NewDisposeScope();
            var points = transport.Transport(heldOut, new SamplingOptions(Solver: solver, Steps: steps)).Points.cpu();
            double sw2 = SlicedWasserstein.Compute(points, reference, order: 2, seed: seed);
            double sw2Whitened = whitened is null ? double.NaN
                : SlicedWasserstein.Compute(whitened.Apply(points), referenceWhitened!, order: 2, seed: seed);
            quality.Add(new QualityPoint(solver, steps, Nfe(solver, steps), sw2, sw2Whitened));
            if ((solver, steps) == LowNfe)
                lowNfe = points.MoveToOuterDisposeScope();
        }

        var start = heldOut.slice(0, 0, options.StraightnessPoints, 1);
        Tensor mappedStart;
        using (no_grad())
            mappedStart = transport.SourceMap.Transform(start);
        double straightness = PathStraightness.Measure(transport.Model, mappedStart, options.StraightnessSteps);
        // The target map is affine (identity or whitening), so its inverse's differential is T⁻¹(u) − T⁻¹(0) for every u.
        var origin = zeros(1, 2, dtype: mappedStart.dtype, device: device);
        var targetMap = transport.TargetMap;
        double straightnessData = PathStraightness.Measure(transport.Model, mappedStart, options.StraightnessSteps,
            u => targetMap.Inverse(u) - targetMap.Inverse(origin));
        var run = new CouplingRun(seed, quality, straightness, straightnessData, transport.Times.MainFlowSeconds,
            transport.Times.PreconditionerSeconds + transport.Times.TransformSeconds, transport.Trainer.LossTrace.ToArray());
        return (run, lowNfe!);
    }

    /// <summary>One seed's data of a problem: training sets, held-out sets, and a second target sample for the noise floor.</summary>
    private sealed record ProblemData(PointCloud Source, PointCloud Target, PointCloud HeldOutSource, PointCloud HeldOutTarget,
        PointCloud SecondTarget)
    {
        public static ProblemData Draw(CouplingProblem problem, CouplingsOptions options, long seed) => new(
            Unlabelled(problem.Source.Sample(options.TrainCount, SeedOffsets.Data(seed, 0))),
            Unlabelled(problem.Target.Sample(options.TrainCount, SeedOffsets.Data(seed, 1))),
            Unlabelled(problem.Source.Sample(options.TestCount, SeedOffsets.HeldOut(seed, 0))),
            Unlabelled(problem.Target.Sample(options.TestCount, SeedOffsets.HeldOut(seed, 1))),
            Unlabelled(problem.Target.Sample(options.TestCount, SeedOffsets.SecondSample(seed, 1))));

        private static PointCloud Unlabelled(PointCloud data) => data with { Labels = null, NumClasses = 0 };
    }
}
