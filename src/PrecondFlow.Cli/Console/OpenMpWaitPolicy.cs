using System.Runtime.InteropServices;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// libtorch's OpenMP workers spin while they wait by default. On a small, busy machine the spinning threads fight
/// other processes for the cores and a 2-thread run became about 4 times slower than with passive waiting (measured
/// by the benchmark suite: 293 s against 71 s). Unless the user chose a policy, the command line asks for passive
/// waiting before libtorch starts.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    private const string Variable = "OMP_WAIT_POLICY";

    public static void PreferPassive()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is not null)
            return;
        // libgomp reads the C environment, which Environment.SetEnvironmentVariable does not change.
        _ = SetEnv(Variable, "PASSIVE", 0);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
