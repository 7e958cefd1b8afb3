using System.Runtime.CompilerServices;

// libtorch has process-wide state (seeds, default dtype, thread count): tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PrecondFlow.Tests;

internal static class TestSetup
{
    /// <summary>
    /// The suite's models are tiny: one intra-op thread is as fast as two on an idle two-core machine and many times
    /// faster on a busy one, where libtorch's spinning OpenMP workers compete with other processes.
    /// </summary>
    [ModuleInitializer]
    internal static void UseOneThread() => TorchSharp.torch.set_num_threads(1);

    /// <summary>
    /// Every core for libtorch until disposed, then one thread again: for the fixtures that train convolutional networks
    /// (tests run one at a time, so nothing else uses the other cores meanwhile).
    /// </summary>
    internal static IDisposable EveryCore()
    {
        TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
        return new OneThreadAgain();
    }

    private sealed class OneThreadAgain : IDisposable
    {
        public void Dispose() => UseOneThread();
    }
}
