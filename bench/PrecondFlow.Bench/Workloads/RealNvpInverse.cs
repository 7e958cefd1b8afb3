using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// Mapping 10 000 points back through a RealNVP (6 couplings, 2×256 MLPs, 64-d) with <see cref="RealNvp.Inverse"/>,
/// the last stage of preconditioned sampling. The map is trained for a few steps during setup so that it is not the
/// identity it starts as; the cost does not depend on the weights. RealNVP runs on the CPU.
/// </summary>
internal sealed class RealNvpInverse : IWorkload
{
    private RealNvp? flow;
    private Tensor? points;

    public string Name => "realnvp-inverse";

    public string Shape => $"{PaperShapes.SamplePoints} points, 6 couplings, 2×256 MLPs, {PaperShapes.Dim}-d (CPU)";

    public string Unit => "samples";

    public int ItemsPerRepetition => PaperShapes.SamplePoints;

    public void Setup(Device device)
    {
        var data = PaperShapes.Data(CPU);
        flow = new RealNvp(PaperShapes.Dim, PaperShapes.RealNvp(steps: 3));
        flow.Train(data);
        data.Points.Dispose();
        data.Labels?.Dispose();
        using var generator = new Generator((ulong)PaperShapes.Seed + 4);
        points = randn(new long[] { PaperShapes.SamplePoints, PaperShapes.Dim }, generator: generator);
    }

    /// <summary>One pass of every coupling's MLP per point: about 2·P (P: RealNVP's parameters, biases counted as weights,
    /// about 1% too many).</summary>
    public double? FlopsPerItem => flow is null ? null : 2.0 * flow.ParameterCount;

    public void Run()
    {
        using var scope = NewDisposeScope();
        flow!.Inverse(points!);
    }

    public void Dispose()
    {
        flow?.Dispose();
        points?.Dispose();
    }
}
