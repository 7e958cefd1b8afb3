using System.Text.Json;
using PrecondFlow.Data;
using Spectre.Console;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// Runs a command's body and turns the errors a user can cause into one line on standard error and exit code 2.
/// Anything else is a bug: it is printed in full, with exit code 70.
/// </summary>
internal static class CommandRunner
{
    public const int UsageError = 2;
    public const int InternalError = 70;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            System.Console.Error.WriteLine($"error: {Describe(e)}");
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            System.Console.Error.WriteLine("error: cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            System.Console.Error.WriteLine($"internal error: {e}");
            return InternalError;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            or InvalidOperationException or JsonException or UnauthorizedAccessException or IOException;

    private static string Describe(Exception e)
    {
        var message = e.Message;
        // ArgumentException appends " (Parameter 'x')"; the message already names the field.
        if (e is ArgumentException { ParamName: { } name })
            message = message.Replace($" (Parameter '{name}')", "");
        return message.Split('\n', 2)[0].TrimEnd();
    }
}
