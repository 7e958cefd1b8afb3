using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.LinearAlgebra;

/// <summary>
/// float64 linear algebra on symmetric matrices, shared by the preconditioners, the diagnostics, the
/// metrics and the closed forms: eigenvalues, matrix powers (S^½, S^(−½)) by symmetric
/// eigendecomposition, condition numbers, random rotations and matrices of a prescribed spectrum.
/// Sample covariances are in <see cref="SampleCovariance"/>.
/// </summary>
public static class SymmetricMatrices
{
    /// <summary>(A + Aᵀ)/2: removes the round-off asymmetry before an eigendecomposition.</summary>
    public static Tensor Symmetrize(Tensor matrix) => (matrix + matrix.T) * 0.5;

    /// <summary>Eigenvalues of a symmetric matrix, ascending, float64 (torch.linalg.eigvalsh).</summary>
    /// <param name="matrix">(d, d) symmetric.</param>
    /// <returns>(d) float64.</returns>
    public static Tensor Eigenvalues(Tensor matrix)
    {
        CheckSquare(matrix, nameof(matrix));
        using var scope = NewDisposeScope();
        return linalg.eigvalsh(Symmetrize(matrix.to_type(ScalarType.Float64))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The symmetric eigendecomposition S = V diag(λ) Vᵀ in float64 (torch.linalg.eigh of (S + Sᵀ)/2).
    /// </summary>
    /// <param name="matrix">(d, d) symmetric, any floating dtype.</param>
    /// <returns>Values: (d) float64 eigenvalues, ascending; Vectors: (d, d) float64, the orthonormal
    /// eigenvector of Values[i] in column i.</returns>
    public static (Tensor Values, Tensor Vectors) Decompose(Tensor matrix)
    {
        CheckSquare(matrix, nameof(matrix));
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh(Symmetrize(matrix.to_type(ScalarType.Float64)));
        return (values.MoveToOuterDisposeScope(), vectors.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// κ = λ_max/λ_min of a symmetric positive semi-definite matrix; +∞ when λ_min ≤ 0 (a singular
    /// or, through round-off, slightly indefinite matrix).
    /// </summary>
    public static double ConditionNumber(Tensor matrix)
    {
        using var eigenvalues = Eigenvalues(matrix);
        return ConditionNumberOfSpectrum(eigenvalues.data<double>().ToArray());
    }

    /// <summary>κ = λ_max/λ_min of a spectrum; +∞ when λ_min ≤ 0.</summary>
    public static double ConditionNumberOfSpectrum(IReadOnlyList<double> eigenvalues)
    {
        if (eigenvalues.Count == 0)
            throw new ArgumentException("The condition number of an empty spectrum is undefined: pass at least one eigenvalue.", nameof(eigenvalues));
        var min = eigenvalues.Min();
        var max = eigenvalues.Max();
        return min > 0 ? max / min : double.PositiveInfinity;
    }

    /// <summary>
    /// S^p = V diag(λ^p) Vᵀ by symmetric eigendecomposition in float64. For p &gt; 0, eigenvalues
    /// below zero (round-off in a positive semi-definite matrix) are clamped to zero; for p &lt; 0 the
    /// matrix must be positive definite.
    /// </summary>
    /// <param name="matrix">(d, d) symmetric.</param>
    /// <param name="power">The exponent p (½ for the square root, −½ for whitening).</param>
    /// <returns>(d, d) float64, symmetric.</returns>
    public static Tensor Power(Tensor matrix, double power)
    {
        using var scope = NewDisposeScope();
        var (values, vectors) = Decompose(matrix);
        if (power < 0)
        {
            var smallest = values[0].item<double>();
            if (!(smallest > 0))
                throw new ArgumentException(
                    $"A negative power ({power}) needs a positive definite matrix; its smallest eigenvalue is {smallest:G6}. " +
                    "Regularise it (add εI) or use more samples than dimensions.", nameof(matrix));
        }
        return FromEigen(vectors, values.clamp_min(0).pow(power)).MoveToOuterDisposeScope();
    }

    /// <summary>V diag(f) Vᵀ, symmetrised: a function of a symmetric matrix from its eigendecomposition.</summary>
    /// <param name="vectors">(d, d) orthonormal eigenvectors in columns.</param>
    /// <param name="f">(d) the function of the eigenvalues, f(λᵢ), in the order of the columns.</param>
    internal static Tensor FromEigen(Tensor vectors, Tensor f) =>
        Symmetrize((vectors * f.unsqueeze(0)).matmul(vectors.T));

    /// <summary>The symmetric square root S^½ (negative round-off eigenvalues clamped to zero).</summary>
    public static Tensor Sqrt(Tensor matrix) => Power(matrix, 0.5);

    /// <summary>S^(−½), the whitening matrix of a positive definite covariance.</summary>
    public static Tensor InverseSqrt(Tensor matrix) => Power(matrix, -0.5);

    /// <summary>A Haar-distributed random rotation: Q of the QR decomposition of a Gaussian matrix, with the
    /// signs of R's diagonal moved into Q so that the distribution is uniform.</summary>
    /// <returns>(d, d) float64 orthogonal.</returns>
    public static Tensor RandomOrthogonal(int dim, Generator generator)
    {
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "A rotation needs a dimension of at least 1.");
        using var scope = NewDisposeScope();
        var gaussian = randn(dim, dim, dtype: ScalarType.Float64, generator: generator);
        var (q, r) = linalg.qr(gaussian);
        var signs = r.diagonal().sign();
        signs = where(signs == 0, ones_like(signs), signs);
        return (q * signs.unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>Q diag(λ) Qᵀ for a random rotation Q: a symmetric matrix with the given spectrum.</summary>
    /// <returns>(d, d) float64.</returns>
    public static Tensor WithSpectrum(IReadOnlyList<double> eigenvalues, Generator generator)
    {
        using var scope = NewDisposeScope();
        var q = RandomOrthogonal(eigenvalues.Count, generator);
        var lambda = tensor(eigenvalues.ToArray(), dtype: ScalarType.Float64);
        return FromEigen(q, lambda).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="dim"/> eigenvalues spread geometrically from 1/κ to 1 (ascending), so that the
    /// condition number is exactly <paramref name="conditionNumber"/>.
    /// </summary>
    public static double[] GeometricSpectrum(int dim, double conditionNumber)
    {
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "A spectrum needs at least one eigenvalue.");
        if (!(conditionNumber >= 1) || double.IsInfinity(conditionNumber))
            throw new ArgumentOutOfRangeException(nameof(conditionNumber), conditionNumber, "A condition number is a finite number ≥ 1.");
        if (dim == 1)
        {
            if (conditionNumber != 1)
                throw new ArgumentOutOfRangeException(nameof(conditionNumber), conditionNumber,
                    "A single eigenvalue always has condition number 1; use dim ≥ 2 for κ > 1.");
            return new[] { 1.0 };
        }
        return Enumerable.Range(0, dim)
            .Select(i => Math.Pow(conditionNumber, (double)i / (dim - 1) - 1))
            .ToArray();
    }

    internal static void CheckSquare(Tensor matrix, string name)
    {
        if (matrix.dim() != 2 || matrix.shape[0] != matrix.shape[1])
            throw new ArgumentException(
                $"'{name}' must be a square (d, d) matrix; got shape [{string.Join(", ", matrix.shape)}].", name);
    }
}
