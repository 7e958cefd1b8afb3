using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Cli.Commands;

/// <summary>
/// `precondflow study-2d-job EXPERIMENT --job N --work DIR …` (hidden): one job of a 2D experiment
/// (<see cref="TwoDStudy.RunJob"/>), started by <see cref="ChildProcessJobs"/> when `reproduce` runs several at a time.
/// Its progress goes to standard output as <see cref="ProgressLines"/>; with `--exit-with-parent` it stops when its
/// parent does (<see cref="ParentPipe"/>).
/// </summary>
internal static class StudyJobCommand
{
    public const string Name = "study-2d-job";

    public static Command Create()
    {
        var experiment = new Argument<string>("experiment") { Description = "The 2D experiment the job belongs to." };
        var job = new Option<int>("--job") { Description = "The job's index in the experiment's job list.", Required = true };
        var work = new Option<string>("--work") { Description = "The work folder shared by the experiment's jobs.", Required = true };
        var seeds = new Option<int>("--seeds") { Description = "Paired seeds per regime.", DefaultValueFactory = _ => 3 };
        var quick = new Option<bool>("--quick") { Description = "The quick budget." };
        var batchedSeeds = new Option<bool>("--batched-seeds") { Description = "Train each arm's seeds as one ensemble." };
        var threads = new Option<int>("--threads") { Description = "libtorch's intra-op threads.", DefaultValueFactory = _ => 1 };
        var tensorboard = new Option<string?>("--tensorboard") { Description = "TensorBoard folder of the experiment." };
        var exitWithParent = new Option<bool>("--exit-with-parent")
        {
            Description = "Stop when standard input ends: the parent holds it open for as long as it lives.",
        };
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var command = new Command(Name, "One job of a 2D experiment run several at a time (used by reproduce).")
        {
            experiment, job, work, seeds, quick, batchedSeeds, threads, tensorboard, exitWithParent, device, libtorch,
        };
        command.Hidden = true;
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            if (parse.GetValue(exitWithParent))
                ParentPipe.ExitWhenParentEnds();
            string name = parse.GetValue(experiment)!;
            var settings = new TwoDStudySettings(parse.GetValue(seeds), parse.GetValue(quick), IntraOpThreads: parse.GetValue(threads),
                BatchedSeeds: parse.GetValue(batchedSeeds));
            var jobs = TwoDStudy.Jobs(TwoDExperiments.Regimes(name, settings));
            int index = parse.GetValue(job);
            if (index < 0 || index >= jobs.Count)
                throw new ArgumentException($"--job: {name} has jobs 0 to {jobs.Count - 1}; got {index}.");
            var dev = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            TwoDStudy.RunJob(name, settings, jobs[index], parse.GetValue(work)!, dev, new ProgressLines.Writer(System.Console.Out),
                parse.GetValue(tensorboard) is { } logs ? new Reporting.TensorBoard.TensorBoardStudyLog(logs) : null);
            return 0;
        }));
        return command;
    }
}
