using System.Runtime.InteropServices;

namespace PrecondFlow.Bench;

/// <summary>
/// The OpenMP wait policy of libtorch's thread pool (GNU libgomp). libgomp reads OMP_WAIT_POLICY once, when libtorch is
/// loaded, from the native environment; .NET's Environment.SetEnvironmentVariable does not reach that environment on
/// Linux, so the variable is set with libc's setenv, before the first TorchSharp call.
/// </summary>
/// <remarks>
/// Why it matters: with the default policy, idle OpenMP workers spin. On a machine whose cores are shared with other
/// processes, a spinning worker holds a core that the thread it waits for needs, and a 2-thread training step can
/// become several times slower than a 1-thread one (3.5–6.8 against 37–43 steps/s for the Table-4 training step at a
/// load average of 3–11). "passive" makes waiting workers sleep instead (32–39 steps/s there), which is why the bench
/// and the PyTorch reference use it unless told otherwise.
/// </remarks>
internal static partial class OpenMpEnvironment
{
    public const string Variable = "OMP_WAIT_POLICY";

    public static IReadOnlyList<string> Policies { get; } = new[] { "inherit", "passive", "active" };

    /// <summary>Sets OMP_WAIT_POLICY unless <paramref name="policy"/> is "inherit"; call before any TorchSharp use.</summary>
    public static void Apply(string policy)
    {
        if (policy == "inherit")
            return;
        if (!Policies.Contains(policy))
            throw new ArgumentException($"Unknown OpenMP wait policy '{policy}'. Use one of: {string.Join(", ", Policies)}.", nameof(policy));
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("--omp-wait-policy is supported on Linux only; set OMP_WAIT_POLICY before starting instead.");
        if (SetEnv(Variable, policy.ToUpperInvariant(), 1) != 0)
            throw new InvalidOperationException($"setenv({Variable}) failed with error {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>The policy in effect, as the native environment says ("default" when unset).</summary>
    public static string Current() => Marshal.PtrToStringAnsi(GetEnv(Variable)) ?? "default";

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnv(string name);
}
