using PrecondFlow.Solvers;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Solvers;

/// <summary>dx/dt = A x with a closed-form solution, in float64: the reference problem of the solver tests.</summary>
internal static class LinearTestSystem
{
    /// <summary>
    /// A rotation at angular speed 2 with decay 0.5 in the first two coordinates, coupled to a third
    /// coordinate decaying at rate 1. Eigenvalues ≈ −0.5 ± 2i and −1: oscillating and contracting, not stiff.
    /// </summary>
    public static Tensor Matrix() => torch.tensor(new double[,]
    {
        { -0.5, -2.0, 0.3 },
        { 2.0, -0.5, 0.0 },
        { 0.1, 0.4, -1.0 },
    });

    /// <summary>x ↦ x Aᵀ, row by row.</summary>
    public static Dynamics Field(Tensor a) => (x, _) => x.matmul(a.t());

    /// <summary>(batch, 3) start points drawn from a fixed seed.</summary>
    public static Tensor StartPoints(int batch = 4, ulong seed = 7)
    {
        using var generator = new Generator(seed);
        return torch.randn(new long[] { batch, 3 }, dtype: ScalarType.Float64, generator: generator);
    }

    /// <summary>The exact solution x0 e^{A(t1 − t0)ᵀ}.</summary>
    public static Tensor Exact(Tensor a, Tensor x0, double t0, double t1)
    {
        using var scope = torch.NewDisposeScope();
        return x0.matmul(torch.linalg.matrix_exp(a * (t1 - t0)).t()).MoveToOuterDisposeScope();
    }

    /// <summary>x ↦ (1 + t)·x Aᵀ: time-dependent, so that a stage evaluated at the wrong time shows.</summary>
    public static Dynamics TimeScaledField(Tensor a) => (x, t) => (1 + t) * x.matmul(a.t());

    /// <summary>The exact solution of <see cref="TimeScaledField"/>: x0 e^{(τ(t1) − τ(t0)) Aᵀ} with τ(t) = t + t²/2
    /// (the matrices (1 + t)A commute at all times).</summary>
    public static Tensor TimeScaledExact(Tensor a, Tensor x0, double t0, double t1)
    {
        static double Tau(double t) => t + t * t / 2;
        return Exact(a, x0, Tau(t0), Tau(t1));
    }

    /// <summary>‖x − y‖ / ‖y‖ over all elements.</summary>
    public static double RelativeError(Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        return ((x - y).norm() / y.norm()).item<double>();
    }
}
