using PrecondFlow.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Theory;

/// <summary>
/// Theorem 4.1 (SPEC §4, App. D.1) run on actual matrices rather than its eigenvalue formula.
/// <para>
/// Inputs: a random rotation Q and eigenvalues spread geometrically between 1/κ and 1 give
/// Σ = QΛQᵀ; X = Σ^½ Z holds n samples as columns, where the Gaussian draw Z is whitened so that
/// Z Zᵀ/n = I exactly, which makes the Hessian X Xᵀ/n equal Σ and its condition number exactly κ.
/// A fixed true matrix W* (Gaussian) gives noise-free targets Y = W* X, so W* is the minimiser.
/// </para>
/// <para>
/// Gradient descent on f(W) = ½‖W X − Y‖²_F / n (the 1/n makes the Hessian the covariance) from W = 0
/// with η = 1/λ_max of the Hessian (see <see cref="GradientDescentModes"/>), counting the steps until
/// ‖W − W*‖_F ≤ ε‖W*‖_F. Preconditioned: M = (X Xᵀ/n)^(−½) estimated from the same inputs, X̃ = M X,
/// and the same descent towards W̃* = W* M⁻¹; its Hessian is I, so η = 1 and one step suffices for
/// every κ (eq. 107–109).
/// </para>
/// </summary>
public static class LeastSquaresPreconditioning
{
    /// <summary>Runs the plain and the preconditioned descent at one condition number.</summary>
    /// <param name="kappa">κ(Σ) ≥ 1.</param>
    /// <param name="dim">Input dimension d ≥ 2 (1 when κ = 1).</param>
    /// <param name="outputs">Rows of W.</param>
    /// <param name="samples">Number of samples n ≥ d.</param>
    /// <param name="epsilon">Target relative error ε in (0, 1).</param>
    /// <param name="seed">Seed of Q, Z and W*.</param>
    /// <param name="maxSteps">Give up (with an exception) after this many steps.</param>
    public static LeastSquaresComparison Run(double kappa, int dim = 8, int outputs = 4, int samples = 256,
        double epsilon = 1e-6, long seed = 0, int maxSteps = 10_000_000)
    {
        GradientDescentModes.CheckEpsilon(epsilon);
        if (outputs < 1)
            throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "W needs at least one row.");
        if (samples < dim)
            throw new ArgumentOutOfRangeException(nameof(samples), samples,
                $"Need at least as many samples as dimensions ({dim}) for a positive definite covariance.");
        var spectrum = SymmetricMatrices.GeometricSpectrum(dim, kappa);

        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed));
        var sigma = SymmetricMatrices.WithSpectrum(spectrum, generator);
        var z = randn(dim, samples, dtype: ScalarType.Float64, generator: generator);
        z = SymmetricMatrices.InverseSqrt(z.matmul(z.T) / samples).matmul(z);
        var x = SymmetricMatrices.Sqrt(sigma).matmul(z);
        var wStar = randn(outputs, dim, dtype: ScalarType.Float64, generator: generator);
        var y = wStar.matmul(x);

        var hessian = SymmetricMatrices.Symmetrize(x.matmul(x.T) / samples);
        var eigenvalues = SymmetricMatrices.Eigenvalues(hessian).data<double>().ToArray();
        var plain = Descend(x, y, wStar, 1 / eigenvalues[^1], epsilon, maxSteps);

        var m = SymmetricMatrices.InverseSqrt(hessian);
        var xTilde = m.matmul(x);
        var wStarTilde = wStar.matmul(SymmetricMatrices.Sqrt(hessian));
        var lambdaMaxTilde = SymmetricMatrices.Eigenvalues(xTilde.matmul(xTilde.T) / samples).max().item<double>();
        var preconditioned = Descend(xTilde, y, wStarTilde, 1 / lambdaMaxTilde, epsilon, maxSteps);

        return new LeastSquaresComparison(kappa, eigenvalues[^1] / eigenvalues[0], plain, preconditioned,
            GradientDescentModes.PredictedSteps(kappa, epsilon), epsilon);
    }

    /// <summary>Steps of W ← W − η(W X − Y)Xᵀ/n from W = 0 until ‖W − W*‖ ≤ ε‖W*‖.</summary>
    private static int Descend(Tensor x, Tensor y, Tensor wStar, double learningRate, double epsilon, int maxSteps)
    {
        var n = x.shape[1];
        var target = epsilon * wStar.norm().item<double>();
        var w = zeros_like(wStar);
        var xT = x.T / n;
        for (var k = 0; k <= maxSteps; k++)
        {
            using var step = NewDisposeScope();
            if ((w - wStar).norm().item<double>() <= target)
                return k;
            w.sub_(learningRate * (w.matmul(x) - y).matmul(xT));
        }
        throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps,
            $"Gradient descent did not reach relative error {epsilon:G3} within {maxSteps} steps; raise maxSteps or ε.");
    }
}
