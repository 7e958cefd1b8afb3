using PrecondFlow.Devices;

// Process-wide settings that must precede libtorch's first use (see each class).
try
{
    NativeHeapReuse.Apply(Environment.GetEnvironmentVariable);
    CpuKernelChoice.Apply(Environment.GetEnvironmentVariable);
}
catch (ArgumentException error)
{
    Console.Error.WriteLine($"precondflow: {error.Message}");
    return 1;
}
return PrecondFlow.Cli.PrecondFlowCommand.Run(args);
