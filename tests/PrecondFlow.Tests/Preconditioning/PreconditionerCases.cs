using PrecondFlow.Data;
using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

/// <summary>Every member of the preconditioner family, fitted on small labelled data, for the tests that loop over all.</summary>
internal static class PreconditionerCases
{
    public const int NumClasses = 3;

    /// <summary>Short RealNVP training: enough steps that the map is far from the identity, small enough to stay fast.</summary>
    public static RealNvpOptions QuickRealNvp { get; } = new(
        Couplings: 4, Hidden: 16, HiddenLayers: 2, Steps: 30, BatchSize: 128, LearningRate: 1e-2, LogEvery: 10);

    /// <summary>
    /// Short flow-matching training with a fixed-step solver: 30 steps move the points well away from the identity, and
    /// RK4 with 20 steps keeps P a smooth function of x (no adaptive step choices) while staying fast.
    /// </summary>
    public static FlowPreconditionerOptions QuickFlow { get; } = new(Steps: 30, BatchSize: 128, Solver: "rk4", SolverSteps: 20);

    public static IEnumerable<string> Kinds =>
        ["identity", "whiten", "class-whiten", "realnvp", "realnvp-conditional", "flow", "standardize", "chain"];

    /// <summary>
    /// The largest relative round-trip error ‖P⁻¹(P(x)) − x‖/‖x‖ a member may show in float64. Exact inverses lose only
    /// rounding (~1e-15 times the conditioning), so 1e-6 leaves a wide margin; the flow preconditioner's P and P⁻¹ are
    /// two numerical ODE solutions that invert each other only to the solver's accuracy, which its
    /// <see cref="FlowPreconditioner.RoundTripThreshold"/> bounds.
    /// </summary>
    public static double RoundTripTolerance(string kind) => kind == "flow" ? FlowPreconditioner.RoundTripThreshold : 1e-6;

    public static TheoryData<string> AllKinds => new(Kinds);

    public static TheoryData<string, int> AllKindsIn2DAnd6D
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var kind in Kinds)
            {
                data.Add(kind, 2);
                data.Add(kind, 6);
            }
            return data;
        }
    }

    /// <summary>A member of the given kind fitted on <see cref="LabelledGaussians"/> in <paramref name="dim"/> dimensions.</summary>
    public static IPreconditioner Fitted(string kind, int dim = 3, long seed = 1)
    {
        var data = LabelledGaussians(3000, dim, seed);
        IFittablePreconditioner p = kind switch
        {
            "identity" => new IdentityPreconditioner(dim),
            "whiten" => new AffineWhitening(dim),
            "class-whiten" => new ClassConditionalWhitening(dim, NumClasses),
            "realnvp" => new RealNvp(dim, QuickRealNvp),
            "realnvp-conditional" => new RealNvp(dim, QuickRealNvp, NumClasses),
            "flow" => new FlowPreconditioner(dim, QuickFlow),
            "standardize" => new ChannelStandardization(dim),
            "chain" => new PreconditionerChain(new ClassConditionalWhitening(dim, NumClasses), new RealNvp(dim, QuickRealNvp)),
            _ => throw new ArgumentException($"no test case '{kind}'", nameof(kind)),
        };
        var report = p.Fit(data, seed);
        Assert.True(report.Passed, $"{kind} failed its invertibility check");
        return p;
    }

    /// <summary>
    /// A mixture of <see cref="NumClasses"/> correlated, shifted Gaussians in float64: class k has mean 3·m_k and
    /// covariance A_k A_kᵀ + 0.1·I with m_k, A_k standard normal; labels cycle 0, 1, 2, ….
    /// </summary>
    public static PointCloud LabelledGaussians(long n, int dim, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var scope = torch.NewDisposeScope();
        var labels = torch.arange(n, dtype: ScalarType.Int64) % NumClasses;
        var means = 3 * torch.randn(NumClasses, dim, dtype: ScalarType.Float64, generator: generator);
        var factors = torch.randn(new long[] { NumClasses, dim, dim }, dtype: ScalarType.Float64, generator: generator);
        var noise = torch.randn(n, dim, dtype: ScalarType.Float64, generator: generator);
        var extra = torch.randn(n, dim, dtype: ScalarType.Float64, generator: generator);
        var x = means.index_select(0, labels)
            + torch.bmm(factors.index_select(0, labels), noise.unsqueeze(2)).squeeze(2)
            + Math.Sqrt(0.1) * extra;
        return new PointCloud(x.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), NumClasses);
    }

    /// <summary>Unbiased covariance of the rows of <paramref name="x"/>, in float64.</summary>
    public static Tensor Covariance(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var x64 = x.to(ScalarType.Float64);
        var centred = x64 - x64.mean([0]);
        return (centred.T.mm(centred) / (x.shape[0] - 1)).MoveToOuterDisposeScope();
    }

    /// <summary>κ = λ_max / λ_min of a symmetric matrix.</summary>
    public static double ConditionNumber(Tensor sigma)
    {
        using var lambda = torch.linalg.eigvalsh(sigma);
        return lambda.max().item<double>() / lambda.min().item<double>();
    }

    /// <summary>‖a − b‖ / ‖b‖ over the whole tensor.</summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return ((a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).norm() / b.to(ScalarType.Float64).norm()).item<double>();
    }

    /// <summary>Same dtype, same shape, every element equal (Tensor.equal in TorchSharp is element-wise).</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }
}
