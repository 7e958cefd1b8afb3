using System.CommandLine;
using PrecondFlow.Distributed;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// How a command joins a distributed run (its --distributed and --collective-timeout options): MPI is started only when
/// an MPI launcher started this process (or --distributed asks for it); otherwise the command runs as one process and no
/// MPI library is loaded.
/// </summary>
internal sealed class DistributedLaunch
{
    /// <summary>Asks for MPI under a launcher that is not recognised.</summary>
    public Option<bool> Distributed { get; } = new("--distributed")
    {
        Description = "Run as one process of an MPI run even when the launcher is not recognised (MPICH's `mpiexec -n N` is " +
            "recognised without it). Every process must get the same arguments; rank 0 alone writes.",
    };

    /// <summary>The longest one collective operation may wait, in seconds.</summary>
    public Option<double> CollectiveTimeout { get; } = new("--collective-timeout")
    {
        Description = "Under MPI: end the whole run (exit code 124) when one collective operation (a gradient all-reduction, a " +
            "comparison of weights) waits longer than this many seconds, i.e. when some process hangs without dying. " +
            "Raise it if some process legitimately works that long alone.",
        DefaultValueFactory = _ => MpiCommunicator.DefaultCollectiveTimeout.TotalSeconds,
    };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Distributed);
        command.Options.Add(CollectiveTimeout);
    }

    /// <summary>
    /// Runs a command's body on every process of this run: MPI when launched by MPICH's mpiexec or asked for, else this
    /// process alone. The settings of the command line are compared across processes first (an error names the argument
    /// that differs). A process that fails ends the whole run (MPI_Abort), so that the others exit with an error rather
    /// than wait for it; MPI is finalized at the end.
    /// </summary>
    public int Run(ParseResult parse, Func<ICommunicator, int> body)
    {
        ICommunicator? communicator = null;
        try
        {
            int code = CommandRunner.Run(() =>
            {
                communicator = Start(parse);
                ConfigurationAgreement.Check(communicator, Settings(parse));
                return body(communicator);
            });
            if (code != 0 && communicator is { WorldSize: > 1 })
            {
                System.Console.Error.Flush();
                // MPI_Abort makes the launcher end every process at once, and what is still in its pipes may be dropped: the
                // error message was lost once in a CI run. A moment lets the launcher forward it first.
                Thread.Sleep(ForwardingPause);
                communicator.Abort(code);
            }
            return code;
        }
        finally
        {
            communicator?.Dispose();
        }
    }

    /// <exception cref="ArgumentException">--collective-timeout is not a positive number of seconds.</exception>
    /// <exception cref="InvalidOperationException">MPI was asked for but MPICH is missing, or Open MPI launched this
    /// process; the message says what to install or run.</exception>
    private ICommunicator Start(ParseResult parse)
    {
        double seconds = parse.GetValue(CollectiveTimeout);
        if (!(seconds > 0) || double.IsInfinity(seconds))
            throw new ArgumentException($"--collective-timeout must be a positive number of seconds; got {seconds}.");
        return parse.GetValue(Distributed) || MpiLaunch.IsMpiLaunch(Environment.GetEnvironmentVariable)
            ? MpiCommunicator.Start(TimeSpan.FromSeconds(seconds), ReportTimeout)
            : SingleProcess.Instance;
    }

    /// <summary>How long a failed process waits, before MPI_Abort, for the launcher to forward what it wrote.</summary>
    private static readonly TimeSpan ForwardingPause = TimeSpan.FromSeconds(0.5);

    private static void ReportTimeout(string explanation)
    {
        System.Console.Error.WriteLine($"error: {explanation}");
        System.Console.Error.Flush();
        // MPI_Abort follows: the launcher then ends every process, and what is still in its pipes from this one may be
        // dropped. A moment lets it forward the explanation first (once lost in five runs without the pause).
        Thread.Sleep(ForwardingPause);
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
