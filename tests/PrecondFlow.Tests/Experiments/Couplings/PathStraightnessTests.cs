using PrecondFlow.Experiments.Couplings;
using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Couplings;

/// <summary>Rectified flow's straightness S = mean ∫₀¹ ‖v(x_t, t) − (x₁ − x₀)‖² dt on fields whose answer is known.</summary>
public class PathStraightnessTests
{
    /// <summary>v(x, t) = x·Aᵀ + b in float64, with A and b fixed (registered as parameters so that samplers find the dtype).</summary>
    private sealed class AffineField : VectorField
    {
        private readonly TorchSharp.Modules.Parameter matrix;
        private readonly TorchSharp.Modules.Parameter offset;

        public AffineField(double[,] a, double[] b) : base(nameof(AffineField), b.Length, 0)
        {
            matrix = new TorchSharp.Modules.Parameter(tensor(a, ScalarType.Float64), requires_grad: false);
            offset = new TorchSharp.Modules.Parameter(tensor(b, ScalarType.Float64), requires_grad: false);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x, Tensor t, Tensor? labels) => x.matmul(matrix.t()) + offset;
    }

    private static GenerativeModel Model(double[,] a, double[] b) =>
        new(new AffineField(a, b), new ModelSpec(new FieldConfig(Dim: 2), "linear", Objective.FlowMatching));

    private static Tensor StartPoints()
    {
        using var generator = new Generator(7);
        return randn(new long[] { 64, 2 }, dtype: ScalarType.Float64, generator: generator);
    }

    [Fact]
    public void AConstantFieldHasStraightPathsAndZeroStraightness()
    {
        // x_t = x₀ + t·c: every path is a straight line at constant speed, so v − (x₁ − x₀) = c − c. What remains is float64
        // rounding of x₁ − x₀ summed over 100 steps (about 1e-16 relative, squared): far below 1e-20.
        using var x0 = StartPoints();
        var model = Model(new double[2, 2], [1.5, -0.5]);
        Assert.True(PathStraightness.Measure(model, x0, steps: 100) < 1e-20);
    }

    [Fact]
    public void ALinearFieldHasTheClosedFormStraightness()
    {
        // v = x gives x_t = x₀eᵗ and x₁ − x₀ = x₀(e − 1), so S = mean ‖x₀‖² · ∫₀¹ f with f(t) = (eᵗ − (e − 1))², and
        // ∫₀¹ f = (e² − 1)/2 − (e − 1)² ≈ 0.242. The trapezoid rule on h = 1/100 adds h²/12 · (f′(1) − f′(0)) = h²/12 · (4e − 4)
        // (2.4e-4 relative; the next term is O(h⁴)), and RK4's own error on eᵗ is about 1e-10: so after that correction the
        // measurement must agree to 1e-6 relative.
        using var x0 = StartPoints();
        var model = Model(new double[,] { { 1, 0 }, { 0, 1 } }, [0, 0]);
        double e = Math.E, h = 1.0 / 100;
        double expected = x0.square().sum(1).mean().item<double>() * ((e * e - 1) / 2 - (e - 1) * (e - 1) + h * h / 12 * (4 * e - 4));
        double measured = PathStraightness.Measure(model, x0, steps: 100);
        Assert.InRange(measured / expected, 1 - 1e-6, 1 + 1e-6);
    }

    [Fact]
    public void ATangentMapScalesTheIntegrandBeforeItsNorm()
    {
        // Doubling every velocity difference quadruples S: the data-space straightness of an affine map is its linear part's.
        using var x0 = StartPoints();
        var model = Model(new double[,] { { 0, -1 }, { 1, 0 } }, [0, 0]);   // rotation: curved paths, S > 0
        double plain = PathStraightness.Measure(model, x0, steps: 50);
        double doubled = PathStraightness.Measure(model, x0, steps: 50, tangentMap: d => 2 * d);
        Assert.True(plain > 0.01);
        Assert.Equal(4 * plain, doubled, 1e-9 * plain);
    }

    [Fact]
    public void ZeroStepsAreRejected()
    {
        using var x0 = StartPoints();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PathStraightness.Measure(Model(new double[2, 2], [1, 0]), x0, steps: 0));
        Assert.Contains("at least one RK4 step", error.Message);
    }
}
