using System.Text.Json;
using PrecondFlow.Solvers;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// Runs a command's body and turns the errors a user can cause into one line on standard error and exit code 2.
/// Anything else is a bug: one line with exit code 70. The stack trace is printed only under the global --verbose.
/// </summary>
internal static class CommandRunner
{
    public const int UsageError = 2;
    public const int InternalError = 70;

    // Set for the duration of one parse-and-invoke (see PrecondFlowCommand.Run); async-local so that in-process runs on
    // parallel threads (tests) do not see each other's flag.
    private static readonly AsyncLocal<bool> verbose = new();

    /// <summary>Whether the command line asked for stack traces (--verbose).</summary>
    public static bool Verbose
    {
        get => verbose.Value;
        set => verbose.Value = value;
    }

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OdeIntegrationException e)
        {
            // Finite weights can still overflow, and a stiff field can starve an adaptive solver: a property of the
            // model and the settings, not a bug.
            Report($"error: the solver stopped: {FirstLine(e.Message)}. The model's velocity is not finite there: re-train it "
                + "(e.g. with a lower --lr), or for a step-size underflow try a fixed-step solver (--solver rk4).", e);
            return UsageError;
        }
        catch (Exception e) when (IsUserError(e))
        {
            Report($"error: {Describe(e)}", e);
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            System.Console.Error.WriteLine("error: cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            System.Console.Error.WriteLine(Verbose
                ? $"internal error: {e}"
                : $"internal error: {e.GetType().Name}: {FirstLine(e.Message)} (run again with --verbose for the details)");
            return InternalError;
        }
    }

    private static void Report(string line, Exception e)
    {
        System.Console.Error.WriteLine(line);
        if (Verbose)
            System.Console.Error.WriteLine(e);
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd();

    // errno 28 on Linux and macOS; .NET puts the errno in the HResult of the IOException it raises.
    private const int NoSpaceLeft = 28;
    private const int WindowsDiskFull = unchecked((int)0x80070070);

    private static bool IsUserError(Exception e) =>
        e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            or InvalidOperationException or JsonException or UnauthorizedAccessException or IOException;

    private static string Describe(Exception e)
    {
        var message = e.Message;
        // ArgumentException appends " (Parameter 'x')"; the message already names the field.
        if (e is ArgumentException { ParamName: { } name })
            message = message.Replace($" (Parameter '{name}')", "");
        message = FirstLine(message);
        if (e is IOException && (e.HResult is NoSpaceLeft or WindowsDiskFull || e.InnerException?.HResult is NoSpaceLeft or WindowsDiskFull))
            message += " The disk is full: free some space or choose another --out; nothing was written.";
        return message;
    }
}
