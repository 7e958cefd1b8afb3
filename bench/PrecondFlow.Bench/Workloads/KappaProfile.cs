using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// The κ(t) diagnostic on 60 000 × 64 data at t = 0, 0.1, …, 1: x_t = t·x₁ + (1−t)·x₀ with one float64 noise draw,
/// the covariance of x_t, its eigenvalues (eigvalsh) and κ = λ_max/λ_min, all float64. The library's diagnostics
/// module is not in this branch yet, so the math is written out here; it is the same computation, noise draw included.
/// </summary>
internal sealed class KappaProfile : IWorkload
{
    private static readonly double[] Times = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();
    private Tensor? data;
    private Device device = CPU;

    public string Name => "kappa-profile";

    public string Shape => $"{PaperShapes.DataPoints} × {PaperShapes.Dim} float64, {Times.Length} times, eigvalsh";

    public string Unit => "profiles";

    public int ItemsPerRepetition => 1;

    /// <summary>κ(t) of the last repetition, for a sanity check of the output.</summary>
    public double[] Kappa { get; private set; } = Array.Empty<double>();

    public void Setup(Device device)
    {
        this.device = device;
        var cloud = PaperShapes.Data(device);
        data = cloud.Points;
        cloud.Labels?.Dispose();
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)PaperShapes.Seed + 3, device);
        var x1 = data!.to(ScalarType.Float64);
        var x0 = randn(x1.shape, dtype: ScalarType.Float64, device: device, generator: generator);
        var kappa = new double[Times.Length];
        for (var i = 0; i < Times.Length; i++)
        {
            using var perTime = NewDisposeScope();
            var t = Times[i];
            var xt = t * x1 + (1 - t) * x0;
            var centred = xt - xt.mean(new long[] { 0 }, keepdim: true);
            var covariance = centred.T.mm(centred) / (xt.shape[0] - 1);
            var lambda = linalg.eigvalsh(covariance);
            // eigvalsh sorts ascending; one host read per time, as the diagnostic reports each κ.
            var ends = stack(new[] { lambda[0], lambda[-1] }).cpu().data<double>().ToArray();
            kappa[i] = ends[1] / ends[0];
        }
        Kappa = kappa;
    }

    public void Dispose() => data?.Dispose();
}
