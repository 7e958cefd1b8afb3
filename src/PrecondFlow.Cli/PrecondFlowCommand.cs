using System.CommandLine;
using System.CommandLine.Help;
using PrecondFlow.Cli.Commands;

namespace PrecondFlow.Cli;

/// <summary>The `precondflow` command line: the table of contents of every command.</summary>
public static class PrecondFlowCommand
{
    /// <summary>The command's name in usage lines and help, whatever the executable is called (e.g. PrecondFlow.Cli under
    /// `dotnet run`, or a test host).</summary>
    public const string Name = "precondflow";

    /// <summary>The root command. A <see cref="RootCommand"/> would take its name from the executable, so this is a plain
    /// command named <see cref="Name"/> with the root's --help and --version options.</summary>
    public static Command Create() => new(Name,
        "PrecondFlow: flow matching and score matching with invertible preconditioners (Preconditioned Score and Flow Matching).")
    {
        new HelpOption(),
        new VersionOption(),
        Verbose,
        InfoCommand.Create(),
        DemoCommand.Create(),
        TrainCommand.Create(),
        SampleCommand.Create(),
        ExportCommand.Create(),
        LikelihoodCommand.Create(),
        DiagnoseCommand.Create(),
        EvalCommand.Create(),
        TheoryCommand.Create(),
        ReproduceCommand.Create(),
        StudyCommand.Create(),
        StudyJobCommand.Create(),
    };

    /// <summary>Global: every error also prints its stack trace.</summary>
    private static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print the stack trace of an error, not just its one-line message.",
        Recursive = true,
    };

    /// <summary>Parses and runs; returns the exit code (0 success, 1 bad command line, 2 bad input, 70 internal error).</summary>
    public static int Run(string[] args)
    {
        Console.OpenMpWaitPolicy.PreferPassive();
        var parse = Create().Parse(args);
        var verbose = Console.CommandRunner.Verbose;
        Console.CommandRunner.Verbose = parse.GetValue(Verbose);
        try
        {
            return parse.Invoke();
        }
        finally
        {
            Console.CommandRunner.Verbose = verbose;
        }
    }
}
