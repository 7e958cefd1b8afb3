using System.Reflection;
using TorchSharp;

namespace PrecondFlow.Tests.TorchSharpRuntime;

/// <summary>
/// Counts the Scalars that reach their finalizer, through the patched TorchSharp's ring of finalized handles (whose slot
/// counter advances once per finalized Scalar). Only meaningful while no other test runs: use it in
/// <see cref="ScalarCensusCollection"/>.
/// </summary>
internal static class ScalarCensus
{
    private const int RingSize = 1 << 16;

    /// <summary>
    /// The Scalars that <paramref name="counted"/> left for the finalizer, both actions run on one fresh thread: first
    /// <paramref name="warmUp"/> (which fills the thread's table of shared constants, as the first steps of a run do),
    /// then the counted one.
    /// </summary>
    public static int FinalizedBy(Action warmUp, Action counted)
    {
        var slot = typeof(Scalar).GetField("s_nextFinalizedSlot", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException("TorchSharp.dll in the test output is not patched: Scalar has no finalized-handle ring.");
        int Settled()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return (int)slot.GetValue(null)!;
        }
        int finalized = -1;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                warmUp();
                int before = Settled();
                counted();
                finalized = ((Settled() - before) % RingSize + RingSize) % RingSize;
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
            throw new InvalidOperationException("The counted action failed.", failure);
        return finalized;
    }
}

/// <summary>Tests that count finalized Scalars, run alone after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScalarCensusCollection
{
    public const string Name = "Scalar census";
}
