using System.CommandLine;
using PrecondFlow.Cli.Commands;

namespace PrecondFlow.Cli;

/// <summary>The `precondflow` command line: the table of contents of every command.</summary>
public static class PrecondFlowCommand
{
    public static RootCommand Create() => new(
        "PrecondFlow: flow matching and score matching with invertible preconditioners (Preconditioned Score and Flow Matching).")
    {
        InfoCommand.Create(),
        DemoCommand.Create(),
        TrainCommand.Create(),
        SampleCommand.Create(),
        LikelihoodCommand.Create(),
        DiagnoseCommand.Create(),
        EvalCommand.Create(),
        TheoryCommand.Create(),
        ReproduceCommand.Create(),
    };

    /// <summary>Parses and runs; returns the exit code (0 success, 1 bad command line, 2 bad input, 70 internal error).</summary>
    public static int Run(string[] args)
    {
        Console.OpenMpWaitPolicy.PreferPassive();
        return Create().Parse(args).Invoke();
    }
}
