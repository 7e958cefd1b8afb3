using System.CommandLine;
using System.Globalization;
using PrecondFlow.Cli.Arguments;
using PrecondFlow.Cli.Console;
using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Reporting.Studies;
using PrecondFlow.Reporting.TensorBoard;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow study`: a convergence study of several preconditioners on one data set, as a report folder.</summary>
internal static class StudyCommand
{
    public static Command Create()
    {
        var data = new DataArguments();
        var preconditioner = new PreconditionerArguments();
        var training = new TrainingArguments(steps: 4000, batchSize: 256);
        var model = new ModelArguments();
        var arms = new Option<string>("--arms")
        {
            Description = $"Comma-separated arms, each a preconditioner ({string.Join(", ", Preconditioning.PreconditionerFactory.Names)}) or a " +
                "'+'-joined chain (e.g. whiten+realnvp); none, the baseline, is always run.",
            DefaultValueFactory = _ => "none,whiten,realnvp",
        };
        var grid = new Option<string>("--lr-grid")
        {
            Description = "Learning rates tried per arm (comma-separated); each arm runs at its best on the validation split.",
            DefaultValueFactory = _ => "1e-3",
        };
        var seeds = CommonOptions.Positive("--seeds", "Paired seeds 0, 1, …: seed s gives every arm the same split, initial weights, minibatches and sampling noise.", 3);
        var firstEvaluation = CommonOptions.Positive("--first-eval", "First evaluation step; later ones double it up to --steps.", 250);
        var searchFraction = CommonOptions.PositiveReal("--search-fraction", "Share of --steps each learning-rate trial trains for (first seed only).", 0.25);
        var cosine = new Option<bool>("--cosine") { Description = "Cosine decay of the learning rate to 0 after warm-up (default: constant after warm-up)." };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths of the main flow's MLP.", DefaultValueFactory = _ => "64,64" };
        var samples = CommonOptions.Positive("--samples", "Points sampled at each evaluation.", 2000);
        var samplerSteps = CommonOptions.Positive("--sampler-steps", "RK4 steps of the sampler.", 50);
        var validation = CommonOptions.PositiveReal("--val-fraction", "Share of the data held out to choose learning rates.", 0.1);
        var test = CommonOptions.PositiveReal("--test-fraction", "Share of the data held out as the metrics' reference.", 0.2);
        var noComputeMatched = new Option<bool>("--no-compute-matched")
        {
            Description = "Leave out the compute-matched baselines (extra steps; wider network) of arms with a trained preconditioner. " +
                "Their extra steps are the preconditioner's training cost: with the default RealNVP (6 couplings of width 256, 2000 steps) " +
                "that is hundreds of thousands of main-flow steps; a smaller RealNVP (--realnvp-hidden, --realnvp-steps) keeps it short.",
        };
        var batchedSeeds = new Option<bool>("--batched-seeds")
        {
            Description = "Train each arm's seeds together as one ensemble (stacked weights, one batched pass per step) instead of one " +
                "after another. Each seed's main flow equals its separate run within float32 rounding, not bit for bit. Labelled data " +
                "and --ema included.",
        };
        var seed = CommonOptions.Seed();
        seed.Description = "Seed of the generated data set (the study's own seeds are --seeds).";
        var output = CommonOptions.Out("precondflow-study");
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "Where each finished learning-rate trial and each finished seed of an arm is kept (in its sub-folder study/), " +
                "so that a rerun of an interrupted or finished study computes only what is missing and ends with the same numbers. " +
                "Entries are keyed by every setting and the data: a changed setting computes afresh.",
            DefaultValueFactory = _ => Experiments.Images.Table2Reproduction.DefaultCacheFolder,
        };
        var tensorboard = new Option<string?>("--tensorboard")
        {
            Description = "Also log every arm's seeds into this TensorBoard folder (`tensorboard --logdir DIR`), one run each as DIR/ARM/seed-S: " +
                "the main flow's loss, learning rate and gradient norm, every study metric at each evaluation step (eval/METRIC) and a " +
                "scatter image of the final samples.",
        };
        var threads = new Option<int?>("--threads") { Description = "libtorch's intra-op threads (default: libtorch's own choice)." };
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();

        var command = new Command("study",
            "Convergence study: train every arm (preconditioner) over paired seeds, evaluate at log-spaced steps, and write study.json, " +
            "curves.png and report.md (speed-up over the baseline, plateau test, compute-matched baselines).");
        data.AddTo(command);
        foreach (var option in new Option[]
                 {
                     arms, training.Steps, training.BatchSize, grid, searchFraction, training.Warmup, cosine, training.Ema, hidden,
                     model.Activation, seeds, firstEvaluation, samples, samplerSteps, validation, test, noComputeMatched, batchedSeeds,
                     preconditioner.Shrinkage, preconditioner.ClassFallback, preconditioner.RealNvpSteps, preconditioner.RealNvpHidden,
                     preconditioner.RealNvpCouplings, preconditioner.FlowSteps, preconditioner.FlowHidden, seed, output, cacheDir, tensorboard, threads, device, libtorch,
                 })
            command.Options.Add(option);
        training.Warmup.DefaultValueFactory = _ => 100;
        training.Steps.Description = "Main-flow steps of every arm (the last evaluation point).";

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var loaded = data.Load(parse, parse.GetValue(seed));
            loaded.ReportNotes();
            var points = loaded.Points;
            var options = new StudyOptions(
                Arms: parse.GetValue(arms)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Steps: parse.GetValue(training.Steps),
                FirstEvaluation: Math.Min(parse.GetValue(firstEvaluation), parse.GetValue(training.Steps)),
                Seeds: parse.GetValue(seeds),
                LearningRates: ParseRates(parse.GetValue(grid)!),
                SearchFraction: parse.GetValue(searchFraction),
                WarmupSteps: parse.GetValue(training.Warmup),
                CosineDecay: parse.GetValue(cosine),
                EmaDecay: parse.GetValue(training.Ema) is > 0 and var ema ? ema : null,
                Hidden: ModelArguments.ParseWidths(parse.GetValue(hidden)!, "--hidden"),
                Activation: parse.GetValue(model.Activation)!,
                BatchSize: parse.GetValue(training.BatchSize),
                SolverSteps: parse.GetValue(samplerSteps),
                Samples: parse.GetValue(samples),
                ValidationFraction: parse.GetValue(validation),
                TestFraction: parse.GetValue(test),
                ComputeMatched: !parse.GetValue(noComputeMatched),
                BatchedSeeds: parse.GetValue(batchedSeeds),
                Preconditioners: preconditioner.Settings(parse, conditional: points.HasLabels, points.ImageShape));
            options.Validate();
            var name = parse.GetValue(data.Data)!;
            var curve = !DataArguments.IsGenerated(name)
                ? null
                : ToyDatasets.FromName(name, new ToyDatasetOptions(Noise: parse.GetValue(data.Noise), Kappa: parse.GetValue(data.Kappa),
                    AngleDegrees: parse.GetValue(data.Angle))) as IHasGeneratingCurve;
            var description = !DataArguments.IsGenerated(name)
                ? $"{Path.GetFileName(name)} ({points.Count} points)"
                : string.Create(CultureInfo.InvariantCulture, $"{name}, {points.Count} points") +
                  (name == "elongated-gaussian" ? string.Create(CultureInfo.InvariantCulture, $", κ = {parse.GetValue(data.Kappa):G6}") : "");
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            if (parse.GetValue(threads) is { } count)
                TorchSharp.torch.set_num_threads(count);
            var folder = parse.GetValue(output)!;
            string line = $"{PrecondFlowCommand.Name} {string.Join(" ", parse.Tokens.Select(t => t.Value))}";
            var result = ProgressDisplay.Run(stages =>
            {
                var study = ConvergenceStudy.Run(options, new StudyData(points, description, curve), dev, new StageProgress(stages),
                    new StudyCache(parse.GetValue(cacheDir)!),
                    parse.GetValue(tensorboard) is { } logs ? new TensorBoardStudyLog(logs) : null);
                StudyReport.Write(folder, study, line, new
                {
                    data = loaded.Description,
                    data_seed = parse.GetValue(seed),
                    runtime = ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch)),
                    omp_num_threads = ProcessEnvironment.OmpNumThreads,
                });
                return study;
            });

            var table = new Table().Title("steps to reach the baseline's final value (ratio to its steps)").AddColumn("arm");
            var keys = StudyAnalysis.KeyMetrics(result);
            foreach (var metric in keys)
                table.AddColumn(Markup.Escape(metric.Key));
            var speedUps = StudyAnalysis.SpeedUps(result);
            foreach (var arm in result.Arms.Where(a => a != result.Baseline))
                table.AddRow(new[] { Markup.Escape(arm.Name) }.Concat(keys.Select(m =>
                    speedUps.First(s => s.Arm == arm.Name && s.Metric == m.Key).SpeedUp is { Reached: true } s
                        ? string.Create(CultureInfo.InvariantCulture, $"{s.Step:F0} (×{s.Ratio:G2})")
                        : "not reached")).ToArray());
            AnsiConsole.Write(table);
            foreach (var finding in StudyReport.Findings(result))
                AnsiConsole.WriteLine(finding.Replace("**", ""));
            AnsiConsole.MarkupLine($"report in [bold]{Markup.Escape(Path.Combine(folder, StudyReport.ReportFile))}[/] ({result.WallSeconds:F0} s)");
            return 0;
        }));
        return command;
    }

    private static double[] ParseRates(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var rates = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out rates[i]) || !(rates[i] > 0))
                throw new ArgumentException($"--lr-grid: '{parts[i]}' is not a positive learning rate; give rates like 3e-4,1e-3,3e-3.");
        if (rates.Length == 0)
            throw new ArgumentException("--lr-grid: give at least one learning rate, e.g. 1e-3.");
        return rates;
    }

    /// <summary>Shows the learning-rate grid and each arm as progress bars with an ETA.</summary>
    private sealed class StageProgress(ProgressDisplay.Stages stages) : IExperimentProgress
    {
        public IProgress<(double Done, string Status)> AddStage(string name, double total) => stages.Add(name, total);
    }
}
