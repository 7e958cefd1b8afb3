using System.CommandLine;
using System.Globalization;
using PrecondFlow.Cli.Console;
using PrecondFlow.Experiments.Couplings;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Reporting.Couplings;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow reproduce couplings`: what minibatch OT buys, with and without whitening (<see cref="CouplingsExperiment"/>).</summary>
internal static class ReproduceCouplings
{
    /// <summary>Runs the experiment with the options <see cref="ReproduceCommand"/> parsed and writes the report folder.</summary>
    public static int Run(ParseResult parse, Option<int> seeds, Option<bool> quick, Option<string?> output, Option<int?> threads,
        Option<string> device, Option<string?> libtorch)
    {
        int seedCount = parse.GetValue(seeds);
        if (seedCount < 1)
            throw new ArgumentException($"--seeds must be at least 1; got {seedCount}. Try --seeds 3.");
        bool isQuick = parse.GetValue(quick);
        var options = CouplingsOptions.For(isQuick);
        var seedList = Enumerable.Range(0, seedCount).Select(s => (long)s).ToArray();
        var folder = parse.GetValue(output) ?? $"precondflow-{CouplingsExperiment.Id}";
        var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
        int? threadCount = parse.GetValue(threads);
        if (threadCount is { } count)
            TorchSharp.torch.set_num_threads(count);
        var runtime = new
        {
            runtime = ProcessEnvironment.Runtime(dev, parse.GetValue(libtorch)),
            omp_num_threads = ProcessEnvironment.OmpNumThreads,
            threads = threadCount,
        };
        string command = $"precondflow reproduce {CouplingsExperiment.Id} --seeds {seedCount}" + (isQuick ? " --quick" : "") +
            (threadCount is { } t ? string.Create(CultureInfo.InvariantCulture, $" --threads {t}") : "");
        var result = ProgressDisplay.Run(stages =>
        {
            var couplings = CouplingsExperiment.Run(options, seedList, dev, new StageProgress(stages));
            CouplingsReport.Write(folder, couplings, command, runtime);
            return couplings;
        });
        foreach (var line in CouplingsReport.Findings(result))
            AnsiConsole.WriteLine(line.Replace("**", ""));
        AnsiConsole.MarkupLine($"report in [bold]{Markup.Escape(Path.Combine(folder, CouplingsReport.ReportFile))}[/] ({result.WallSeconds:F0} s)");
        return 0;
    }

    private sealed class StageProgress(ProgressDisplay.Stages stages) : IExperimentProgress
    {
        public IProgress<(double Done, string Status)> AddStage(string name, double total) => stages.Add(name, total);
    }
}
