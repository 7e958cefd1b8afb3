using PrecondFlow.Data;
using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// RealNVP maximum-likelihood training steps (6 couplings, 2×256 MLPs, 64-d, batch 4096) through the library's
/// <see cref="RealNvp.Train"/>. One repetition is one call: it rebuilds the network and optimizer, runs the steps and the
/// invertibility check on 256 points; that fixed part is well under 1% of a repetition. RealNVP trains on the CPU.
/// </summary>
internal sealed class RealNvpTrainingStep : IWorkload
{
    private readonly int stepsPerRepetition;
    private PointCloud? data;
    private RealNvp? flow;

    public RealNvpTrainingStep(RepetitionPlan plan) => stepsPerRepetition = plan.Quick ? 2 : 6;

    public string Name => "realnvp-train-step";

    public string Shape => $"6 couplings, 2×256 MLPs, {PaperShapes.Dim}-d, batch {PaperShapes.BatchSize}, AdamW (CPU)";

    public string Unit => "steps";

    public int ItemsPerRepetition => stepsPerRepetition;

    public void Setup(Device device)
    {
        data = PaperShapes.Data(CPU);
        flow = new RealNvp(PaperShapes.Dim, PaperShapes.RealNvp(stepsPerRepetition));
    }

    /// <summary>Forward 2·P and backward 4·P per point (P: RealNVP's parameters, biases counted as weights), times the batch.</summary>
    public double? FlopsPerItem => flow is null ? null : 6.0 * flow.ParameterCount * PaperShapes.BatchSize;

    public void Run() => flow!.Train(data!);

    public void Dispose()
    {
        flow?.Dispose();
        data?.Points.Dispose();
        data?.Labels?.Dispose();
    }
}
