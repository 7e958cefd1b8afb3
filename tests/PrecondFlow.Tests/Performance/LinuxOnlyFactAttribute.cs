namespace PrecondFlow.Tests.Performance;

/// <summary>
/// A fact that reads Linux's /proc/self/status: elsewhere it is reported as skipped, with the reason, instead of
/// passing without checking anything.
/// </summary>
public sealed class LinuxOnlyFactAttribute : FactAttribute
{
    public LinuxOnlyFactAttribute()
    {
        if (!ResidentMemory.Available)
            Skip = "Needs /proc/self/status (Linux) to read the resident memory.";
    }
}
