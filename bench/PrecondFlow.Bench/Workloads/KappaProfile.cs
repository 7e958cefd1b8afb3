using PrecondFlow.Diagnostics;
using PrecondFlow.Paths;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// The κ(t) diagnostic on 60 000 × 64 data at t = 0, 0.1, …, 1 through the library's
/// <see cref="ConditioningAnalysis.Sampled(Tensor, IProbabilityPath, long, IReadOnlyList{double}?, Tensor?)"/>: one float64
/// noise draw, the pairs' joint covariance in one pass, Cov(x_t) = t²C₁₁ + (1−t)²C₀₀ + t(1−t)(C₀₁ + C₁₀), its eigenvalues
/// (eigvalsh) and κ = λ_max/λ_min, all float64.
/// The diagnostic draws its noise on the CPU, so this workload keeps its data there on every device.
/// </summary>
internal sealed class KappaProfile : IWorkload
{
    private readonly AffinePath path = AffinePath.FromName("linear");
    private Tensor? data;

    public string Name => "kappa-profile";

    public string Shape => $"{PaperShapes.DataPoints} × {PaperShapes.Dim} float64, {ConditioningAnalysis.DefaultTimes.Count} times, eigvalsh (CPU)";

    public string Unit => "profiles";

    public int ItemsPerRepetition => 1;

    public void Setup(Device device)
    {
        var cloud = PaperShapes.Data(CPU);
        data = cloud.Points;
        cloud.Labels?.Dispose();
    }

    /// <summary>The pair moments: three (d × n)·(n × d) products, 6·n·d²; the per-time d × d work and eigvalsh are
    /// O(d³) and left out.</summary>
    public double? FlopsPerItem => 6.0 * PaperShapes.DataPoints * PaperShapes.Dim * PaperShapes.Dim;

    public void Run()
    {
        using var scope = NewDisposeScope();
        var profile = ConditioningAnalysis.Sampled(data!, path, PaperShapes.Seed + 3);
        if (profile.Kappa.Any(k => !(k >= 1)))
            throw new InvalidOperationException($"κ(t) should be at least 1 at every time; got {string.Join(", ", profile.Kappa)}.");
    }

    public void Dispose() => data?.Dispose();
}
