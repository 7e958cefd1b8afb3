using PrecondFlow.LinearAlgebra;
using PrecondFlow.Paths.Schedulers;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Theory;

/// <summary>
/// The solvable Gaussian case of SPEC §3: base x₀ ~ N(0, I), target x₁ ~ N(0, Σ), affine path
/// x_t = α_t·x₁ + σ_t·x₀ with target velocity u = α̇_t·x₁ + σ̇_t·x₀. Every quantity is a closed form
/// in float64; the linear path (α_t = t, σ_t = 1 − t) gives the paper's equations 9–15:
/// <list type="bullet">
/// <item>Σ_t = Cov(x_t) = α_t²·Σ + σ_t²·I (eq. 9: (1−t)²I + t²Σ),</item>
/// <item>∇log p_t(x) = −Σ_t⁻¹ x (eq. 10),</item>
/// <item>C_t = Cov(u, x_t) = α̇_t α_t·Σ + σ̇_t σ_t·I (linear path: tΣ − (1−t)I) and the exact
/// velocity v_t(x) = A_t x with A_t = C_t Σ_t⁻¹ (eq. 11), the minimiser of E‖W x_t − u‖² (eq. 12–13),</item>
/// <item>λ_i(Σ_t) = α_t² λ_i + σ_t² (eq. 14) and κ(Σ_t) (eq. 15).</item>
/// </list>
/// Σ, Σ_t, C_t and A_t share Σ's eigenvectors, so they commute and A_t is symmetric: for points stored
/// as rows, v = x·A_tᵀ = x·A_t.
/// </summary>
public sealed class GaussianTransport
{
    private readonly double[] targetEigenvalues;

    /// <param name="covariance">(d, d) symmetric positive definite target covariance Σ.</param>
    /// <param name="scheduler">The path's schedule; the linear path when null.</param>
    public GaussianTransport(Tensor covariance, IScheduler? scheduler = null)
    {
        SymmetricMatrices.CheckSquare(covariance, nameof(covariance));
        using (NewDisposeScope())
        {
            // The transport owns its Σ: it must outlive any dispose scope the caller is in.
            Covariance = SymmetricMatrices.Symmetrize(covariance.to_type(ScalarType.Float64)).DetachFromDisposeScope();
            targetEigenvalues = SymmetricMatrices.Eigenvalues(Covariance).data<double>().ToArray();
        }
        if (!(targetEigenvalues[0] > 0))
            throw new ArgumentException(
                $"The target covariance must be positive definite; its smallest eigenvalue is {targetEigenvalues[0]:G6}.",
                nameof(covariance));
        Scheduler = scheduler ?? new LinearScheduler();
    }

    /// <summary>A target N(0, diag(λ)) rotated by a random orthogonal matrix drawn with <paramref name="seed"/>.</summary>
    public static GaussianTransport WithSpectrum(IReadOnlyList<double> eigenvalues, long seed = 0, IScheduler? scheduler = null)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var covariance = SymmetricMatrices.WithSpectrum(eigenvalues, generator);
        return new GaussianTransport(covariance, scheduler);
    }

    /// <summary>(d, d) float64 target covariance Σ.</summary>
    public Tensor Covariance { get; }

    /// <summary>The schedule (α_t, σ_t) of the path.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>Dimension d.</summary>
    public int Dim => targetEigenvalues.Length;

    /// <summary>The eigenvalues λ_i of Σ, ascending.</summary>
    public IReadOnlyList<double> TargetEigenvalues => targetEigenvalues;

    /// <summary>κ(Σ) = λ_max/λ_min of the target.</summary>
    public double TargetConditionNumber => targetEigenvalues[^1] / targetEigenvalues[0];

    /// <summary>α_t, σ_t, α̇_t, σ̇_t at one time, as numbers.</summary>
    public (double Alpha, double Sigma, double DAlpha, double DSigma) Coefficients(double t)
    {
        using var scope = NewDisposeScope();
        var s = Scheduler.At(tensor(t, dtype: ScalarType.Float64));
        return (s.Alpha.item<double>(), s.Sigma.item<double>(), s.DAlpha.item<double>(), s.DSigma.item<double>());
    }

    /// <summary>Σ_t = α_t²Σ + σ_t²I (eq. 9).</summary>
    /// <returns>(d, d) float64.</returns>
    public Tensor CovarianceAt(double t)
    {
        var (alpha, sigma, _, _) = Coefficients(t);
        using var scope = NewDisposeScope();
        return (alpha * alpha * Covariance + sigma * sigma * Identity()).MoveToOuterDisposeScope();
    }

    /// <summary>The score matrix −Σ_t⁻¹: ∇log p_t(x) = −Σ_t⁻¹ x (eq. 10).</summary>
    /// <returns>(d, d) float64.</returns>
    public Tensor ScoreMatrix(double t)
    {
        using var scope = NewDisposeScope();
        return (-SymmetricMatrices.Symmetrize(linalg.inv(CovarianceAt(t)))).MoveToOuterDisposeScope();
    }

    /// <summary>C_t = Cov(u, x_t) = α̇_t α_t Σ + σ̇_t σ_t I (linear path: tΣ − (1−t)I).</summary>
    /// <returns>(d, d) float64.</returns>
    public Tensor CrossCovariance(double t)
    {
        var (alpha, sigma, dAlpha, dSigma) = Coefficients(t);
        using var scope = NewDisposeScope();
        return (dAlpha * alpha * Covariance + dSigma * sigma * Identity()).MoveToOuterDisposeScope();
    }

    /// <summary>A_t = C_t Σ_t⁻¹, the exact velocity v_t(x) = A_t x and the solution of the normal equations
    /// W Σ_t = C_t (eq. 11–13).</summary>
    /// <returns>(d, d) float64, symmetric.</returns>
    public Tensor VelocityMatrix(double t)
    {
        using var scope = NewDisposeScope();
        // W Σ_t = C_t  ⇔  Σ_t Wᵀ = C_tᵀ (both symmetric).
        var a = linalg.solve(CovarianceAt(t), CrossCovariance(t).T).T;
        return SymmetricMatrices.Symmetrize(a).MoveToOuterDisposeScope();
    }

    /// <summary>λ_i(Σ_t) = α_t²λ_i + σ_t² (eq. 14), ascending.</summary>
    public double[] EigenvaluesAt(double t)
    {
        var (alpha, sigma, _, _) = Coefficients(t);
        return targetEigenvalues.Select(l => alpha * alpha * l + sigma * sigma).ToArray();
    }

    /// <summary>κ(Σ_t) = (α_t²λ_max + σ_t²)/(α_t²λ_min + σ_t²) (eq. 15).</summary>
    public double ConditionNumberAt(double t) => SymmetricMatrices.ConditionNumberOfSpectrum(EigenvaluesAt(t));

    /// <summary>κ(Σ_t) at each of <paramref name="times"/>.</summary>
    public double[] ConditionNumbers(IReadOnlyList<double> times) => times.Select(ConditionNumberAt).ToArray();

    /// <summary>
    /// Eq. 15 for the linear path as a formula of the two extreme eigenvalues:
    /// κ(t) = ((1−t)² + t²λ_max)/((1−t)² + t²λ_min); 1 at t = 0, λ_max/λ_min at t = 1.
    /// </summary>
    public static double LinearPathConditionNumber(double t, double lambdaMin, double lambdaMax)
    {
        if (!(lambdaMin > 0) || !(lambdaMax >= lambdaMin))
            throw new ArgumentOutOfRangeException(nameof(lambdaMin),
                $"Eq. 15 needs 0 < λ_min ≤ λ_max; got λ_min = {lambdaMin}, λ_max = {lambdaMax}.");
        var s = (1 - t) * (1 - t);
        return (s + t * t * lambdaMax) / (s + t * t * lambdaMin);
    }

    /// <summary>Draws target samples x₁ ~ N(0, Σ) as x₁ = z Lᵀ with Σ = L Lᵀ (Cholesky).</summary>
    /// <returns>(n, d) float64.</returns>
    public Tensor Sample(long count, Generator generator)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Draw at least one sample.");
        using var scope = NewDisposeScope();
        var z = randn(count, Dim, dtype: ScalarType.Float64, generator: generator);
        return z.matmul(linalg.cholesky(Covariance).T).MoveToOuterDisposeScope();
    }

    private Tensor Identity() => eye(Dim, dtype: ScalarType.Float64);
}
