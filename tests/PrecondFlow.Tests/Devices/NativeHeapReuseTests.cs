using PrecondFlow.Devices;

namespace PrecondFlow.Tests.Devices;

/// <summary>
/// Keeping freed native memory for reuse is process-wide, so the library leaves it to the command line (and to
/// applications that opt in), and the environment can always keep glibc's own settings. The setting itself is checked
/// through a child process of the command line: applying it in the test host would change the heap of every other test.
/// </summary>
public class NativeHeapReuseTests
{
    [Theory]
    [InlineData(null, null, null, null, false)]
    [InlineData("keep", null, null, null, false)]
    [InlineData("system", null, null, null, true)]
    [InlineData(null, "glibc.malloc.arena_max=2", null, null, false)]
    [InlineData(null, "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536", null, null, true)]
    [InlineData(null, "glibc.malloc.trim_threshold=0", null, null, true)]
    [InlineData(null, null, "131072", null, true)]
    [InlineData(null, null, null, "131072", true)]
    public void The_environment_can_keep_glibcs_own_thresholds(
        string? preference, string? tunables, string? mmapThreshold, string? trimThreshold, bool leftToEnvironment)
    {
        Assert.Equal(leftToEnvironment, NativeHeapReuse.LeftToEnvironment(preference, tunables, mmapThreshold, trimThreshold));
    }

    [Fact]
    public void An_unknown_preference_is_refused_naming_the_variable_and_its_values()
    {
        var error = Assert.Throws<ArgumentException>(() => NativeHeapReuse.LeftToEnvironment("off", null, null, null));

        Assert.Contains("PRECONDFLOW_NATIVE_HEAP", error.Message);
        Assert.Contains("'keep'", error.Message);
        Assert.Contains("'system'", error.Message);
        Assert.Contains("'off'", error.Message);
    }

    [Fact]
    public void The_command_line_keeps_freed_memory_unless_told_otherwise()
    {
        var (code, log) = RunCli(new Dictionary<string, string?> { [NativeHeapReuse.Variable] = null }, "info");

        Assert.True(code == 0, log);
        Assert.Contains("native heap", log);
        Assert.Contains("keeps freed memory for reuse", log);
    }

    [Fact]
    public void The_command_line_leaves_glibcs_settings_when_the_environment_asks()
    {
        var (system, systemLog) = RunCli(new Dictionary<string, string?> { [NativeHeapReuse.Variable] = "system" }, "info");
        var (tuned, tunedLog) = RunCli(
            new Dictionary<string, string?> { ["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=262144" }, "info");

        Assert.True(system == 0, systemLog);
        Assert.Contains("glibc's, from the environment", systemLog);
        Assert.True(tuned == 0, tunedLog);
        Assert.Contains("glibc's, from the environment", tunedLog);
    }

    [Fact]
    public void The_command_line_refuses_an_unknown_preference_before_doing_anything()
    {
        var (code, log) = RunCli(new Dictionary<string, string?> { [NativeHeapReuse.Variable] = "off" }, "info");

        Assert.Equal(1, code);
        Assert.Contains("PRECONDFLOW_NATIVE_HEAP takes 'keep' (the default) or 'system'; got 'off'.", log);
        Assert.DoesNotContain("TorchSharp", log);
    }

    /// <summary>The command line with the four variables that decide the setting removed, then those given set.</summary>
    private static (int Code, string Log) RunCli(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string?>
        {
            [NativeHeapReuse.Variable] = null, ["GLIBC_TUNABLES"] = null, ["MALLOC_MMAP_THRESHOLD_"] = null, ["MALLOC_TRIM_THRESHOLD_"] = null,
        };
        foreach (var (name, value) in environment)
            variables[name] = value;
        return CliChildProcess.Run(variables, arguments);
    }
}
