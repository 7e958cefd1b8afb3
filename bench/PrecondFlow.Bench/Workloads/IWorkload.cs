using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// One fixed, seeded benchmark: <see cref="Setup"/> builds models and data (not timed), then each call of
/// <see cref="Run"/> is one timed repetition that processes <see cref="ItemsPerRepetition"/> items.
/// The PyTorch reference (bench/reference/bench_reference.py) implements the same workloads under the same names.
/// </summary>
internal interface IWorkload : IDisposable
{
    /// <summary>Name on the command line and in the JSON output, e.g. "flow-train-step".</summary>
    string Name { get; }

    /// <summary>The shape of the work in one line, e.g. "MLP 64-d, 2×128, 10 classes, batch 4096, AdamW".</summary>
    string Shape { get; }

    /// <summary>What one item is, for the throughput column: "steps", "samples", "profiles".</summary>
    string Unit { get; }

    /// <summary>Items processed by one <see cref="Run"/>.</summary>
    int ItemsPerRepetition { get; }

    /// <summary>Builds models and data on <paramref name="device"/>; excluded from timing and warm-up.</summary>
    void Setup(Device device);

    /// <summary>One timed repetition. Must leave no tensor behind (everything in a dispose scope).</summary>
    void Run();

    /// <summary>Floating-point operations per item (a multiply-add counts 2), known after <see cref="Setup"/>; null where
    /// the work is not arithmetic-bound in a countable way (e.g. an assignment solver).</summary>
    double? FlopsPerItem => null;
}
