using PrecondFlow.Cli;
using Spectre.Console;

namespace PrecondFlow.Tests.Cli;

/// <summary>Runs the `precondflow` command in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Out, string Error);

    public static Outcome Run(params string[] args)
    {
        var originalOut = Console.Out;
        var originalError = Console.Error;
        var output = new StringWriter();
        var error = new StringWriter();
        var originalAnsi = AnsiConsole.Console;
        Console.SetOut(output);
        Console.SetError(error);
        // Spectre's static console keeps the writer it was created with: point it at this run's output.
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        try
        {
            int code = PrecondFlowCommand.Run(args);
            return new Outcome(code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
            AnsiConsole.Console = originalAnsi;
        }
    }
}
