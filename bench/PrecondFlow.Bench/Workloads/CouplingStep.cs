using PrecondFlow.Couplings;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// The minibatch coupling of one training step alone: pairing <c>batch</c> standard-normal x₀ with <c>batch</c> points
/// of a 2-d Gaussian target, by exact OT (cost matrix on the device, Hungarian assignment on the host in float64) or by
/// log-domain Sinkhorn (ε = 0.05, at most 1 000 iterations, tolerance 1e-6, pairs drawn from the plan) — the settings
/// of <c>train --coupling ot|sinkhorn</c>. One repetition is one step's coupling; the rest of the step is
/// <c>flow-train-step</c>. Not run by default (exact OT at 4 096 takes seconds): name them with <c>--only</c>.
/// </summary>
internal sealed class CouplingStep : IWorkload
{
    private readonly string kind;
    private readonly int batch;
    private ICoupling? coupling;
    private Tensor? x0;
    private Tensor? x1;
    private Generator? generator;
    private Device device = CPU;

    /// <param name="kind">"ot" or "sinkhorn".</param>
    /// <param name="batch">Points on each side.</param>
    public CouplingStep(string kind, int batch)
    {
        this.kind = kind;
        this.batch = batch;
    }

    public string Name => $"coupling-{kind}-{batch}";

    public string Shape => $"{kind} coupling of {batch} × {batch} points, 2-d";

    public string Unit => "steps";

    public int ItemsPerRepetition => 1;

    public void Setup(Device device)
    {
        this.device = device;
        coupling = new CouplingOptions(kind).Create();
        generator = new Generator(PaperShapes.Seed, device);
        x0 = randn(batch, 2, device: device, generator: generator);
        x1 = randn(batch, 2, device: device, generator: generator) * tensor(new[] { 3f, 0.3f }, device: device) + 1;
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        var pairs = coupling!.Pair(x0!, x1!, null, null, generator!);
        // Reading one index back waits for the device, so that the time covers the whole coupling.
        _ = pairs.TargetIndex[0].item<long>();
    }

    public void Dispose()
    {
        x0?.Dispose();
        x1?.Dispose();
        generator?.Dispose();
    }
}
