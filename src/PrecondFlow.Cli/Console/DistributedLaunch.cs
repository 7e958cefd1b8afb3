using System.CommandLine;
using PrecondFlow.Distributed;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// How a command joins a distributed run: MPI is started only when an MPI launcher started this process (or
/// --distributed asks for it); otherwise the command runs as one process and no MPI library is loaded.
/// </summary>
internal static class DistributedLaunch
{
    public static Option<bool> Option() => new("--distributed")
    {
        Description = "Run as one process of an MPI run even when the launcher is not recognised (MPICH's `mpiexec -n N` is " +
            "recognised without it). Every process must get the same arguments; rank 0 alone writes.",
    };

    /// <summary>The processes of this run: MPI when launched by MPICH's mpiexec or asked for, else this process alone.</summary>
    /// <exception cref="InvalidOperationException">MPI was asked for but MPICH is missing, or Open MPI launched this
    /// process; the message says what to install or run.</exception>
    public static ICommunicator Start(bool requested) =>
        requested || MpiLaunch.IsMpiLaunch(Environment.GetEnvironmentVariable)
            ? MpiCommunicator.Start()
            : SingleProcess.Instance;

    /// <summary>
    /// Runs a command's body on every process. The settings of the command line are compared across processes first
    /// (an error names the argument that differs). A process that fails ends the whole run (MPI_Abort), so that the
    /// others exit with an error rather than wait for it.
    /// </summary>
    public static int Run(ParseResult parse, ICommunicator communicator, Func<int> body)
    {
        int code = CommandRunner.Run(() =>
        {
            ConfigurationAgreement.Check(communicator, Settings(parse));
            return body();
        });
        if (code != 0 && communicator.WorldSize > 1)
        {
            System.Console.Error.Flush();
            communicator.Abort(code);
        }
        return code;
    }

    /// <summary>Every option of the parsed command as "--name=value" (defaults included), in a fixed order.</summary>
    public static IReadOnlyList<string> Settings(ParseResult parse)
    {
        var settings = new List<string>();
        foreach (var option in parse.CommandResult.Command.Options.OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            var result = parse.GetResult(option);
            var value = result is null ? "" : string.Join(' ', result.Tokens.Select(t => t.Value));
            settings.Add($"{option.Name}={value}");
        }
        foreach (var argument in parse.CommandResult.Command.Arguments)
            settings.Add($"{argument.Name}={string.Join(' ', parse.GetResult(argument)?.Tokens.Select(t => t.Value) ?? [])}");
        return settings;
    }
}
